package org.spiffelab.scenario.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.spiffelab.harness.LabProperties;

/**
 * Every Kubernetes scenario, rendered by the pinned kustomize (no cluster here), must be valid and consistent:
 * typed models with no unknown field, references that resolve, selectors that select, ports and images that match
 * lab.properties and the Envoy configs, and SPIFFE IDs from the ClusterSPIFFEID template equal to the lab's.
 */
class KubernetesManifestsIT {

    static final LabProperties LAB = LabProperties.load();

    /** Every scenario in lab.properties' SCENARIOS. */
    static java.util.List<String> scenarios() {
        return org.spiffelab.harness.StackSpec.names(LAB);
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void rendersToValidTypedDocuments(String scenario) throws Exception {
        RenderedScenario rendered = RenderedScenario.render(LAB, scenario);
        assertThat(rendered.documents).hasSizeGreaterThan(20);
        List<String> problems = new ArrayList<>();
        for (ObjectNode doc : rendered.documents) {
            if (doc.path("kind").asText().equals("ClusterSPIFFEID")) {
                problems.addAll(checkAgainstCrd(rendered, doc));
            } else {
                problems.addAll(StrictModels.unknownFields(doc));
            }
        }
        assertThat(problems).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void referencesResolveAndSelectorsSelect(String scenario) throws Exception {
        RenderedScenario rendered = RenderedScenario.render(LAB, scenario);
        List<String> problems = new ArrayList<>();
        for (ObjectNode workload : rendered.workloads()) {
            String namespace = workload.path("metadata").path("namespace").asText();
            JsonNode pod = workload.path("spec").path("template").path("spec");
            String sa = pod.path("serviceAccountName").asText();
            if (rendered.find("ServiceAccount", namespace, sa).isEmpty()) {
                problems.add(RenderedScenario.id(workload) + ": service account " + sa + " missing");
            }
            for (JsonNode volume : pod.path("volumes")) {
                String configMap = volume.path("configMap").path("name").asText(null);
                if (configMap != null && rendered.find("ConfigMap", namespace, configMap).isEmpty()) {
                    problems.add(RenderedScenario.id(workload) + ": ConfigMap " + configMap + " missing");
                }
                for (JsonNode item : volume.path("configMap").path("items")) {
                    String key = item.path("key").asText();
                    if (rendered.find("ConfigMap", namespace, configMap).map(c -> !c.path("data").has(key)).orElse(true)) {
                        problems.add(RenderedScenario.id(workload) + ": ConfigMap " + configMap + " has no key " + key);
                    }
                }
            }
            Set<String> volumes = new HashSet<>();
            pod.path("volumes").forEach(v -> volumes.add(v.path("name").asText()));
            workload.path("spec").path("volumeClaimTemplates").forEach(v -> volumes.add(v.path("metadata").path("name").asText()));
            for (JsonNode container : pod.path("containers")) {
                for (JsonNode mount : container.path("volumeMounts")) {
                    if (!volumes.contains(mount.path("name").asText())) {
                        problems.add(RenderedScenario.id(workload) + "/" + container.path("name").asText() + ": no volume " + mount.path("name"));
                    }
                }
            }
            JsonNode selector = workload.path("spec").path("selector").path("matchLabels");
            selector.properties().forEach(e -> {
                if (!e.getValue().asText().equals(workload.path("spec").path("template").path("metadata").path("labels").path(e.getKey()).asText())) {
                    problems.add(RenderedScenario.id(workload) + ": selector " + e.getKey() + " does not match its pod labels");
                }
            });
        }
        for (ObjectNode service : rendered.ofKind("Service")) {
            String namespace = service.path("metadata").path("namespace").asText();
            boolean selects = rendered.workloads().stream().anyMatch(w -> w.path("metadata").path("namespace").asText().equals(namespace)
                    && matches(service.path("spec").path("selector"), w.path("spec").path("template").path("metadata").path("labels")));
            if (!selects) {
                problems.add(RenderedScenario.id(service) + ": its selector matches no pod");
            }
        }
        assertThat(problems).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void portsAndImagesMatchLabPropertiesAndTheEnvoyConfig(String scenario) throws Exception {
        RenderedScenario rendered = RenderedScenario.render(LAB, scenario);
        int tls = LAB.port("ENVOY_TLS_PORT");
        ObjectNode service = rendered.find("Service", "demo", "customer-service").orElseThrow();
        assertThat(service.path("spec").path("ports").get(0).path("targetPort").asInt()).isEqualTo(tls);
        ObjectNode deployment = rendered.find("Deployment", "demo", "customer-service").orElseThrow();
        // The scenario's Envoy ConfigMap is named with a content hash: follow the pod's envoy-config volume to it.
        String envoyConfigMap = "";
        for (JsonNode volume : deployment.path("spec").path("template").path("spec").path("volumes")) {
            if (volume.path("name").asText().equals("envoy-config")) {
                envoyConfigMap = volume.path("configMap").path("name").asText();
            }
        }
        assertThat(envoyConfigMap).startsWith("customer-service-envoy-");
        JsonNode envoyConfig = RenderedScenario.YAML.readTree(
                rendered.find("ConfigMap", "demo", envoyConfigMap).orElseThrow().path("data").path("envoy.yaml").asText());
        assertThat(envoyConfig.path("static_resources").path("listeners").get(0).path("address").path("socket_address")
                .path("port_value").asInt()).isEqualTo(tls);
        JsonNode envoy = container(deployment, "envoy");
        assertThat(envoy.path("ports").get(0).path("containerPort").asInt()).isEqualTo(tls);

        Map<String, String> images = Map.of("spire-server", LAB.get("OFFICIAL_SPIRE_SERVER_IMAGE"), "spire-agent",
                LAB.get("OFFICIAL_SPIRE_AGENT_IMAGE"), "spire-controller-manager", LAB.get("OFFICIAL_SPIRE_CONTROLLER_MANAGER_IMAGE"),
                "envoy", LAB.get("OFFICIAL_ENVOY_IMAGE"), "nginx", LAB.get("OFFICIAL_NGINX_IMAGE"),
                "webapp", LAB.get("WEBAPP_IMAGE"), "sds-agent", LAB.get("SDS_AGENT_IMAGE"));
        List<String> wrong = new ArrayList<>();
        for (ObjectNode workload : rendered.workloads()) {
            for (JsonNode c : workload.path("spec").path("template").path("spec").path("containers")) {
                String expected = images.get(c.path("name").asText());
                if (expected == null || !expected.equals(c.path("image").asText())) {
                    wrong.add(RenderedScenario.id(workload) + "/" + c.path("name").asText() + ": " + c.path("image").asText()
                            + " (lab.properties: " + expected + ")");
                }
            }
        }
        assertThat(wrong).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void clusterSpiffeIdTemplateYieldsExactlyTheLabsIdsAndThePolicyNamesOnlyThose(String scenario) throws Exception {
        RenderedScenario rendered = RenderedScenario.render(LAB, scenario);
        ObjectNode spiffeId = rendered.ofKind("ClusterSPIFFEID").get(0);
        String template = spiffeId.path("spec").path("spiffeIDTemplate").asText();
        String namespace = spiffeId.path("spec").path("namespaceSelector").path("matchLabels").path("kubernetes.io/metadata.name").asText();
        Set<String> ids = new HashSet<>();
        for (ObjectNode workload : rendered.workloads()) {
            if (workload.path("metadata").path("namespace").asText().equals(namespace)) {
                ids.add(expand(template, namespace, workload.path("spec").path("template").path("spec").path("serviceAccountName").asText()));
            }
        }
        assertThat(ids).containsExactlyInAnyOrder(LAB.get("CUSTOMER_SERVICE_ID"), LAB.get("WEBAPP_ID"), LAB.get("WEBAPP_2_ID"));

        // Everywhere in the scenario — Envoy configs (RBAC policy included), sds-agent settings, webapp env — only those
        // IDs and the trust domain are named; the ClusterSPIFFEID's own template is the one exception.
        String everything = String.join("\n", rendered.documents.stream().map(Object::toString).toList());
        Matcher named = Pattern.compile("spiffe://[^\\s\"',}\\\\]+").matcher(everything);
        int count = 0;
        while (named.find()) {
            if (!named.group().startsWith("spiffe://{{")) {
                count++;
                assertThat(named.group()).as("SPIFFE ID in scenario %s", scenario).isIn(union(ids, Set.of(LAB.get("TRUST_DOMAIN_ID"))));
            }
        }
        assertThat(count).isPositive();
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return all;
    }

    /** The Go template fields this lab's ClusterSPIFFEID uses; anything else fails the check instead of being guessed. */
    static String expand(String template, String namespace, String serviceAccount) {
        String id = template.replace("{{ .TrustDomain }}", LAB.get("TRUST_DOMAIN"))
                .replace("{{ .PodMeta.Namespace }}", namespace)
                .replace("{{ .PodSpec.ServiceAccountName }}", serviceAccount);
        assertThat(id).as("template fields left unexpanded").doesNotContain("{{");
        return id;
    }

    private static List<String> checkAgainstCrd(RenderedScenario rendered, ObjectNode resource) {
        ObjectNode crd = rendered.find("CustomResourceDefinition", null, "clusterspiffeids.spire.spiffe.io").orElseThrow();
        JsonNode schema = crd.path("spec").path("versions").get(0).path("schema").path("openAPIV3Schema");
        List<String> problems = new ArrayList<>();
        resource.path("spec").fieldNames().forEachRemaining(field -> {
            if (!schema.path("properties").path("spec").path("properties").has(field)) {
                problems.add(RenderedScenario.id(resource) + ": spec." + field + " is not in the CRD");
            }
        });
        schema.path("properties").path("spec").path("required").forEach(required -> {
            if (!resource.path("spec").has(required.asText())) {
                problems.add(RenderedScenario.id(resource) + ": spec." + required.asText() + " is required");
            }
        });
        return problems;
    }

    private static boolean matches(JsonNode selector, JsonNode labels) {
        if (selector.isEmpty()) {
            return false;
        }
        for (var e : selector.properties()) {
            if (!e.getValue().asText().equals(labels.path(e.getKey()).asText())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Each hands-on lab's starting point ({@code scripts/lab.sh start <lab> --k8s} applies workshop/labs/&lt;lab&gt;/k8s) is
     * its scenario lacking exactly what the lab teaches; every other document is the scenario's, unchanged.
     */
    @ParameterizedTest
    @MethodSource("scenarios")
    void eachHandsOnLabStartsFromItsScenarioLackingExactlyWhatItTeaches(String scenario) throws Exception {
        Map<String, JsonNode> expected = byId(RenderedScenario.render(LAB, scenario));
        Map<String, JsonNode> start = byId(RenderedScenario.render(LAB, scenario, "workshop/labs/" + scenario + "/k8s"));
        String deployment = "Deployment demo/customer-service";
        ObjectNode customerService = (ObjectNode) expected.get(deployment).deepCopy();
        switch (scenario) {
            case "x509" -> assertThat(expected.remove("ClusterSPIFFEID /demo-workloads")).as("lab 1: no ClusterSPIFFEID").isNotNull();
            case "sds-agent" -> {
                // Lab 3: no sidecar; the old pod goes first, so an earlier lab's Envoy does not answer in its place.
                com.fasterxml.jackson.databind.node.ArrayNode containers =
                        (com.fasterxml.jackson.databind.node.ArrayNode) customerService.at("/spec/template/spec/containers");
                assertThat(container(expected.get(deployment), "sds-agent")).isNotNull();
                for (int i = containers.size() - 1; i >= 0; i--) {
                    if (containers.get(i).path("name").asText().equals("sds-agent")) {
                        containers.remove(i);
                    }
                }
                assertThat(start.get(deployment).at("/spec/strategy").toString()).isEqualTo("{\"rollingUpdate\":{\"maxSurge\":0,\"maxUnavailable\":1}}");
                ((ObjectNode) customerService.path("spec")).set("strategy", start.get(deployment).at("/spec/strategy"));
                expected.put(deployment, customerService);
            }
            default -> {
                // Labs 2 and 4: customer-service's Envoy runs the Docker lab's starting config, the rest is the scenario.
                String finishedConfig = envoyConfigMap(expected);
                String startConfig = envoyConfigMap(start);
                assertThat(start.get(startConfig).at("/data/envoy.yaml").asText())
                        .isEqualTo(java.nio.file.Files.readString(LAB.file("workshop/labs/" + scenario + "/k8s/envoy.yaml")));
                expected.remove(finishedConfig);
                expected.put(startConfig, start.get(startConfig));
                for (JsonNode volume : customerService.at("/spec/template/spec/volumes")) {
                    if (volume.path("configMap").path("name").asText().equals(finishedConfig.substring(finishedConfig.indexOf('/') + 1))) {
                        ((ObjectNode) volume.path("configMap")).put("name", startConfig.substring(startConfig.indexOf('/') + 1));
                    }
                }
                expected.put(deployment, customerService);
            }
        }
        assertThat(start).isEqualTo(expected);
    }

    private static Map<String, JsonNode> byId(RenderedScenario rendered) {
        Map<String, JsonNode> documents = new java.util.TreeMap<>();
        rendered.documents.forEach(d -> documents.put(RenderedScenario.id(d), d));
        return documents;
    }

    /** The id of customer-service's Envoy ConfigMap (its name carries a hash of its content). */
    private static String envoyConfigMap(Map<String, JsonNode> documents) {
        return documents.keySet().stream().filter(id -> id.startsWith("ConfigMap demo/customer-service-envoy-")).findFirst().orElseThrow();
    }

    private static JsonNode container(JsonNode workload, String name) {
        for (JsonNode c : workload.path("spec").path("template").path("spec").path("containers")) {
            if (c.path("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError(RenderedScenario.id(workload) + " has no container " + name);
    }
}
