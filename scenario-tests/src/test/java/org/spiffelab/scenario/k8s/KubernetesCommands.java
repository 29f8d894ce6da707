package org.spiffelab.scenario.k8s;

import java.util.List;
import java.util.stream.Stream;
import org.spiffelab.harness.LabProperties;

/**
 * The Kubernetes commands the docs give, in one place: {@link KubernetesScenarioIT} runs exactly these, and
 * {@link KubernetesDocsCommandsTest} fails when the docs name a kubectl command that is not one of them.
 * No quoting in any of them, so a command is its words split on spaces.
 */
final class KubernetesCommands {

    /** The scenario names, from lab.properties (SCENARIOS). */
    static final List<String> SCENARIOS = List.of(LabProperties.load().get("SCENARIOS").split(","));

    private KubernetesCommands() {
    }

    /** Deploy: the CRDs first (kubectl maps a whole apply up front), then the scenario. */
    static List<String> apply(String scenario) {
        return List.of(
                "kubectl apply -k k8s/crds",
                "kubectl wait --for condition=established --timeout=60s -f k8s/crds/crds.yaml",
                "kubectl apply -k k8s/scenarios/" + scenario);
    }

    /** Ready: every workload of the scenario rolled out (readiness probes: SPIRE health, Envoy's listener, webapp's SVID). */
    static List<String> waitReady() {
        return List.of(
                "kubectl -n spire rollout status statefulset/spire-server --timeout=300s",
                "kubectl -n spire rollout status daemonset/spire-agent --timeout=300s",
                "kubectl -n demo rollout status deployment/customer-service --timeout=300s",
                "kubectl -n demo rollout status deployment/webapp --timeout=300s",
                "kubectl -n demo rollout status deployment/webapp-2 --timeout=300s");
    }

    /** Both pages on the local machine. */
    static List<String> portForwards(LabProperties lab) {
        return List.of(
                "kubectl -n demo port-forward svc/webapp " + lab.get("K8S_WEBAPP_LOCAL_PORT") + ":8080",
                "kubectl -n demo port-forward svc/webapp-2 " + lab.get("K8S_WEBAPP_2_LOCAL_PORT") + ":8080");
    }

    /** Looking inside: what SPIRE registered and issued, the agent, the ClusterSPIFFEID's counts, Envoy's admin. */
    static List<String> inspect() {
        return List.of(
                "kubectl -n spire exec spire-server-0 -c spire-server -- /opt/spire/bin/spire-server entry show",
                "kubectl -n spire exec spire-server-0 -c spire-server -- /opt/spire/bin/spire-server agent list",
                "kubectl -n spire exec spire-server-0 -c spire-server -- /opt/spire/bin/spire-server bundle show",
                "kubectl get clusterspiffeid demo-workloads -o yaml",
                "kubectl -n demo port-forward deploy/customer-service 9901:9901",
                "kubectl -n demo logs deploy/customer-service -c envoy",
                "kubectl -n demo get pods");
    }

    /**
     * The hands-on labs: how the attendee applies their edit, which {@code scripts/lab.sh start <lab> --k8s} put in work/ —
     * lab 1 its ClusterSPIFFEID, labs 2-4 a kustomization over the lab's deployment with their file in place.
     */
    static String attendeeApply(String lab) {
        return lab.equals("x509") ? "kubectl apply -f work/cluster-spiffe-id.yaml" : "kubectl apply -k work/k8s-" + lab;
    }

    /** The CRDs go first and take the ClusterSPIFFEID with them: without the flag, deleting it next fails NotFound. */
    static String cleanUp(String scenario) {
        return "kubectl delete -k k8s/scenarios/" + scenario + " --ignore-not-found";
    }

    /** Every command above for every scenario, with {@code <scenario>} standing for any of them. */
    static List<String> all(LabProperties lab) {
        return Stream.of(apply("<scenario>").stream(), waitReady().stream(), portForwards(lab).stream(), inspect().stream(),
                Stream.of(cleanUp("<scenario>")),
                SCENARIOS.stream().flatMap(s -> Stream.concat(apply(s).stream(), Stream.of(cleanUp(s), attendeeApply(s)))))
                .flatMap(s -> s).distinct().toList();
    }

    static String[] words(String command) {
        if (!command.startsWith("kubectl ")) {
            throw new IllegalArgumentException("not a kubectl command: " + command);
        }
        return command.substring("kubectl ".length()).split(" ");
    }
}
