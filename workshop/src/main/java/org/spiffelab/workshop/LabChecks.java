package org.spiffelab.workshop;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.spiffelab.harness.LabProperties;

/** Each lab's steps, each judged on the live stack, each with the plain-words fix when it is not done yet. */
final class LabChecks {

    private final LiveStack live;
    private final LabProperties lab;
    private final LabInstance instance;

    LabChecks(LiveStack live) {
        this.live = live;
        this.lab = live.lab();
        this.instance = live.instance();
    }

    List<Step> check(Lab which) {
        if (!live.running("envoy") || !live.running("spire-server")) {
            return List.of(Step.todo("the lab's stack runs", "no running lab named " + instance.prefix() + "-* on this machine",
                    "scripts/lab.sh start " + which.id()));
        }
        return switch (which) {
            case X509 -> x509();
            case RBAC -> rbac();
            case SDS_AGENT -> sdsAgent();
            case JWT -> jwt();
        };
    }

    private List<Step> x509() {
        String id = lab.get("CUSTOMER_SERVICE_ID");
        String trustDomain = lab.get("TRUST_DOMAIN_ID");
        EnvoyView envoy = live.envoy();
        List<Step> steps = new ArrayList<>();
        List<String> certNames = envoy.certificateSecretNames();
        steps.add(Step.of("Envoy asks SPIRE's SDS for its certificate by customer-service's SPIFFE ID", certNames.equals(List.of(id)),
                "Envoy asks for " + quoted(certNames) + restartHint(id),
                "in " + shownConfig() + " set tls_certificate_sds_secret_configs' name to " + id + ", then: docker restart "
                        + instance.container("envoy")));
        List<String> bundleNames = envoy.validationSecretNames();
        steps.add(Step.of("...and the bundle that checks clients by the trust domain's ID", bundleNames.equals(List.of(trustDomain)),
                "Envoy asks for " + quoted(bundleNames) + restartHint(trustDomain),
                "in " + shownConfig() + " set validation_context_sds_secret_config's name to " + trustDomain + ", then: docker restart "
                        + instance.container("envoy")));
        steps.add(registered("customer-service", id, "customer-service"));
        steps.add(Step.of("Envoy's listener is active (it waited until SPIRE sent both secrets)", envoy.listenerActive(),
                "Envoy is " + envoy.serverState() + ": its listener waits for secrets SPIRE has not sent",
                "do the steps above; Envoy turns LIVE within seconds of SPIRE issuing the SVID (watch: docker exec "
                        + instance.container("pod-probe") + " curl -s http://127.0.0.1:" + lab.get("ENVOY_ADMIN_PORT") + "/ready)"));
        String certId = envoy.certificateId();
        steps.add(Step.of("Envoy holds customer-service's X.509-SVID", id.equals(certId),
                certId == null ? "Envoy's /certs shows no certificate yet" : "Envoy presents " + certId,
                "see: docker exec " + instance.container("pod-probe") + " curl -s http://127.0.0.1:" + lab.get("ENVOY_ADMIN_PORT") + "/certs"));
        steps.add(balance("webapp"));
        return steps;
    }

    private List<Step> rbac() {
        EnvoyView envoy = live.envoy();
        String webapp = lab.get("WEBAPP_ID");
        String restart = ", then: docker restart " + instance.container("envoy");
        List<Step> steps = new ArrayList<>();
        steps.add(Step.of("Envoy runs the RBAC HTTP filter, before the router", envoy.runsBeforeRouter(EnvoyView.RBAC),
                "Envoy's HTTP filters are " + envoy.httpFilters(),
                "add an " + EnvoyView.RBAC + " filter to http_filters in " + shownConfig() + ", above the router" + restart));
        List<String> principals = envoy.rbacPrincipals();
        steps.add(Step.of("its policy lets in webapp's SPIFFE ID", principals.contains(webapp),
                principals.isEmpty() ? "the policy names no principal_name" : "the policy allows " + principals + Names.didYouMean(webapp, principals),
                "a principal `authenticated: { principal_name: { exact: " + webapp + " } }`" + restart));
        String action = envoy.filterConfig(EnvoyView.RBAC).path("rules").path("action").asText("ALLOW");
        steps.add(Step.of("it is an ALLOW policy: whatever it does not name is denied", action.equals("ALLOW"),
                "the policy's action is " + action, "rules.action: ALLOW" + restart));
        steps.add(balance("webapp"));
        JsonNode denied = live.portal("webapp-2").path("result");
        boolean deniedByRbac = denied.path("status").asInt() == 403 && denied.path("body").asText().contains("RBAC: access denied");
        steps.add(Step.of("webapp-2, with a valid SVID, is denied by the policy (403 RBAC: access denied)", deniedByRbac,
                "webapp-2's page shows " + outcome(denied), "allow only webapp's SPIFFE ID; webapp-2 is " + lab.get("WEBAPP_2_ID")));
        long allowed = envoy.stat("http.customer_service.rbac.allowed");
        long deniedCount = envoy.stat("http.customer_service.rbac.denied");
        steps.add(Step.of("Envoy's RBAC counters moved (allowed and denied)", allowed > 0 && deniedCount > 0,
                "rbac.allowed = " + allowed + ", rbac.denied = " + deniedCount,
                "open both pages once more; see: docker exec " + instance.container("pod-probe") + " curl -s http://127.0.0.1:"
                        + lab.get("ENVOY_ADMIN_PORT") + "/stats?filter=rbac"));
        return steps;
    }

    private List<Step> sdsAgent() {
        List<Step> steps = new ArrayList<>();
        String agent = instance.container("sds-agent");
        String state = live.state("sds-agent");
        String networkMode = live.inspect("sds-agent", "{{.HostConfig.NetworkMode}}");
        String podId = live.inspect("nginx", "{{.Id}}");
        boolean inPod = networkMode.equals("container:" + podId) || networkMode.equals("container:" + instance.container("nginx"));
        steps.add(Step.of("sds-agent runs as a sidecar in customer-service's pod", state.equals("running") && inPod,
                state.equals("missing") ? "there is no container " + agent : agent + " is " + state + (inPod ? "" : ", not in the pod's network (--network container:" + instance.container("nginx") + ")"),
                "run it: see " + Lab.SDS_AGENT.doc() + ", step 1"));
        String label = live.workloadLabel("sds-agent");
        steps.add(Step.of("SPIRE attests it as customer-service", "customer-service".equals(label),
                label == null ? agent + " carries no " + lab.get("WORKLOAD_LABEL") + " label" : agent + " is labelled " + label,
                "--label " + lab.get("WORKLOAD_LABEL") + "=customer-service"));
        boolean healthy = state.equals("running") && live.docker().exec(agent, "java", "-jar", "/opt/sds-agent/sds-agent.jar", "health",
                "--sds-socket=" + lab.get("SDS_AGENT_SOCKET")).ok();
        steps.add(Step.of("it holds customer-service's SVID and serves SDS (grpc.health SERVING)", healthy,
                "sds-agent's health check does not answer SERVING", "docker logs " + agent));
        EnvoyView envoy = live.envoy();
        String id = lab.get("CUSTOMER_SERVICE_ID");
        steps.add(Step.of("Envoy's listener is active with customer-service's SVID, from sds-agent", envoy.listenerActive() && id.equals(envoy.certificateId()),
                envoy.listenerActive() ? "Envoy presents " + envoy.certificateId() : "Envoy is " + envoy.serverState() + ": nothing serves SDS on its socket yet",
                "Envoy mounts the volume " + instance.sdsSocketVolume() + " where it expects SPIRE's socket; sds-agent must write its socket there"));
        steps.add(balance("webapp"));
        return steps;
    }

    private List<Step> jwt() {
        EnvoyView envoy = live.envoy();
        String restart = ", then: docker restart " + instance.container("envoy");
        List<Step> steps = new ArrayList<>();
        JsonNode authz = envoy.filterConfig(EnvoyView.EXT_AUTHZ);
        steps.add(Step.of("Envoy runs the ext_authz filter, before the router", envoy.runsBeforeRouter(EnvoyView.EXT_AUTHZ),
                "Envoy's HTTP filters are " + envoy.httpFilters(),
                "add an " + EnvoyView.EXT_AUTHZ + " filter to http_filters in " + shownConfig() + ", above the router" + restart));
        String cluster = authz.path("grpc_service").path("envoy_grpc").path("cluster_name").asText("");
        steps.add(Step.of("it asks sds-agent (cluster spire_agent, the socket that also serves SDS)", cluster.equals("spire_agent"),
                cluster.isEmpty() ? "ext_authz names no gRPC cluster" : "ext_authz asks cluster " + cluster,
                "grpc_service: { envoy_grpc: { cluster_name: spire_agent } }" + restart));
        boolean failClosed = !authz.path("failure_mode_allow").asBoolean(false);
        steps.add(Step.of("no answer is never a yes (failure_mode_allow: false)", authz.isObject() && failClosed,
                authz.isObject() ? "failure_mode_allow is true: when sds-agent is down every request gets in" : "no ext_authz filter yet",
                "failure_mode_allow: false" + restart));
        JsonNode webapp = live.portal("webapp").path("result");
        String subject = webapp.path("authorizedSubject").asText("");
        steps.add(Step.of("webapp gets the balance, and customer-service saw its JWT-SVID's subject", subject.equals(lab.get("WEBAPP_ID")),
                "webapp's page shows " + outcome(webapp) + (subject.isEmpty() ? "; no subject was verified" : ""),
                "the subject is set by sds-agent's validation only: is ext_authz in place?"));
        JsonNode webapp2 = live.portal("webapp-2").path("result");
        steps.add(Step.of("webapp-2's token is valid, its subject not allowed (403)", webapp2.path("status").asInt() == 403
                        && webapp2.path("body").asText().contains("not allowed"),
                "webapp-2's page shows " + outcome(webapp2), "the allow-list (sds-agent --jwt-allowed-subjects) names only webapp"));
        long ok = envoy.stat("http.customer_service.ext_authz.ok");
        long denied = envoy.stat("http.customer_service.ext_authz.denied");
        steps.add(Step.of("Envoy's ext_authz counters moved (ok and denied)", ok > 0 && denied > 0, "ext_authz.ok = " + ok + ", ext_authz.denied = " + denied,
                "open both pages once more; see: docker exec " + instance.container("pod-probe") + " curl -s http://127.0.0.1:"
                        + lab.get("ENVOY_ADMIN_PORT") + "/stats?filter=ext_authz"));
        return steps;
    }

    /** An entry registers {@code workload} as {@code spiffeId} with the docker label selector, under the Docker node. */
    private Step registered(String workload, String spiffeId, String dns) {
        String selector = "docker:label:" + lab.get("WORKLOAD_LABEL") + ":" + workload;
        List<SpireEntry> entries = live.entries();
        SpireEntry match = entries.stream().filter(e -> e.spiffeId().equals(spiffeId)).findFirst().orElse(null);
        String create = SpireCli.shown(SpireCli.entryCreate(lab, instance, workload, spiffeId, dns));
        String title = workload + " is registered with SPIRE (" + spiffeId + ", selector " + selector + ")";
        if (match == null) {
            return Step.todo(title, "no registration entry has the SPIFFE ID " + spiffeId, create);
        }
        if (!match.selects(Map.of(lab.get("WORKLOAD_LABEL"), workload))) {
            return Step.todo(title, "the entry for " + spiffeId + " selects " + match.selectors() + ", which no " + workload + " container matches",
                    "delete it (spire-server entry delete -entryID " + match.id() + ") and: " + create);
        }
        if (!match.parentId().equals(lab.get("DOCKER_NODE_ID"))) {
            return Step.todo(title, "the entry's parent is " + match.parentId() + ", not the Docker node " + lab.get("DOCKER_NODE_ID"),
                    "delete it (spire-server entry delete -entryID " + match.id() + ") and: " + create);
        }
        return Step.done(title);
    }

    private Step balance(String webapp) {
        JsonNode result = live.portal(webapp).path("result");
        return Step.of(webapp + " gets the customer's balance over mTLS", result.has("balance"),
                webapp + "'s page shows " + outcome(result),
                "open http://localhost:" + (webapp.equals("webapp") ? lab.get("DEMO_WEBAPP_PORT") : lab.get("DEMO_WEBAPP_2_PORT"))
                        + "/ and read why; scripts/lab.sh doctor names the usual causes");
    }

    static String outcome(JsonNode result) {
        if (result.isMissingNode()) {
            return "nothing (the page did not answer)";
        }
        if (result.has("balance")) {
            return "the balance";
        }
        String status = result.path("status").asInt() > 0 ? result.path("status").asInt() + " " : "";
        return result.path("reason").asText("?") + " (" + status + result.path("message").asText("") + ")";
    }

    private String shownConfig() {
        return instance.shown(instance.envoyConfig());
    }

    /** When the working copy already says the right thing but Envoy runs the old one: a restart is missing. */
    private String restartHint(String expected) {
        try {
            String file = java.nio.file.Files.readString(instance.envoyConfig());
            if (file.contains("name: " + expected)) {
                return " — " + shownConfig() + " already names " + expected + ": restart Envoy to load it";
            }
        } catch (java.io.IOException e) {
            // no working copy on this machine: nothing to hint
        }
        return "";
    }

    private static String quoted(List<String> names) {
        return names.isEmpty() ? "nothing" : String.join(", ", names.stream().map(n -> "\"" + n + "\"").toList());
    }
}
