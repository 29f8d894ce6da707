package org.spiffelab.scenario.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestClassOrder;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.spiffelab.harness.LabImages;
import org.spiffelab.harness.LabProperties;
import org.spiffelab.harness.ModuleImage;
import org.spiffelab.harness.pki.TestCa;
import org.spiffelab.scenario.MtlsProbe;
import org.spiffelab.scenario.Pem;

/**
 * Every scenario on a real cluster, first walked as its hands-on lab ({@code scripts/lab.sh start|check <lab> --k8s},
 * the attendee's edit from the solution), then deployed over it with exactly the commands the docs give
 * ({@link KubernetesCommands}), awaited on rollout conditions, then held to the same contracts as on Docker — through
 * port-forwards and probe pods whose identity comes from their service account. One SPIRE (k8s/base) serves the four scenarios, applied in
 * turn over each other, as a person switching scenarios would. Plus what only Kubernetes shows: k8s_psat node
 * attestation, the ClusterSPIFFEID's status, IDs from service accounts, no SVID outside the selector, entries
 * following pods, and spire-controller-manager's admission webhook.
 *
 * <p>Part of every {@code mvn verify}: without {@code KUBECONFIG} it starts the lab's local cluster if none answers
 * (a cold start builds Kubernetes from the Go module proxy first) and leaves it up for the next run. It runs beside the
 * Docker scenarios, which take turns among themselves: the cluster mostly waits on rollouts, and the two share no
 * containers or ports. Inside, everything runs in order ({@link Execution} on each nested class).
 */
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
@Execution(ExecutionMode.CONCURRENT)
class KubernetesScenarioIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final String LISTENER = "listener.0.0.0.0_8443.";
    static final Duration READY = Duration.ofMinutes(5);
    /** The sds-agent scenario's rotation drill: SVID lifetime, SPIRE's backdating of notBefore, and the longest run. */
    static final Duration ROTATION_TTL = Duration.ofSeconds(30);
    static final Duration SPIRE_BACKDATE = Duration.ofSeconds(10);
    static final Duration ROTATION_WINDOW = Duration.ofSeconds(120);

    static LabProperties lab;
    static KubeCluster cluster;
    static Kubectl kubectl;
    static final Map<String, Duration> APPLY_TO_READY = new LinkedHashMap<>();

    @RegisterExtension
    static final ClusterDiagnostics DIAGNOSTICS = new ClusterDiagnostics(() -> kubectl);

    @BeforeAll
    static void clusterWithTheLabsImages() {
        lab = LabProperties.load();
        cluster = KubeCluster.connect(lab);
        kubectl = cluster.kubectl();
        LabImages images = LabImages.fromEnvironment(lab);
        ModuleImage.webapp(lab, images);
        ModuleImage.sdsAgent(lab, images);
        cluster.loadImages();
        kubectl.run("delete", "namespace", "lab-outside", "--ignore-not-found", "--wait=false");
        try {
            work = Files.createTempDirectory("lab-k8s-work-");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterAll
    static void report() {
        System.out.println("hands-on per lab: " + HANDS_ON);
        System.out.println("apply-to-ready per scenario (the docs' commands over the attendee's result): " + APPLY_TO_READY);
    }

    /** The attendee's working folder (LAB_WORK_DIR of scripts/lab.sh): one attendee walks the four labs in turn. */
    static java.nio.file.Path work;
    static final Map<String, String> HANDS_ON = new LinkedHashMap<>();

    /** What the attendee writes in their working folder, here from the lab's solution. */
    interface Edit {
        void write(java.nio.file.Path work) throws java.io.IOException;
    }

    /**
     * A lab's Kubernetes path as an attendee walks it (the docs' "Kubernetes, hands-on"): scripts/lab.sh start, check
     * (not done: its output holds {@code notDone}), the attendee's edit applied with the docs' command, check until all
     * steps are done. Then the docs' commands for the finished scenario, over it: the attendee's result is the scenario,
     * so nothing rolls out again, and the class's tests hold what the docs deploy.
     */
    static void handsOn(String lab, Edit edit, String... notDone) {
        Instant start = Instant.now();
        Kubectl.Result started = labSh("start", lab, "--k8s");
        String apply = KubernetesCommands.attendeeApply(lab).replace("work/", work + "/");
        assertThat(started.exitCode()).as(started.out()).isZero();
        assertThat(started.out()).as("start names the docs' command for the attendee's edit").contains(apply);
        Duration startup = Duration.between(start, Instant.now());
        Kubectl.Result before = labSh("check", lab, "--k8s");
        assertThat(before.exitCode()).as(before.out()).isEqualTo(1);
        assertThat(before.out()).contains(notDone);

        Instant edited = Instant.now();
        try {
            edit.write(work);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        kubectl.ok(KubernetesCommands.words(apply));
        String[] steps = new String[1];
        Awaitility.await("scripts/lab.sh check " + lab + " --k8s: all steps done").atMost(READY).pollInterval(Duration.ofSeconds(3))
                .until(() -> {
                    Kubectl.Result check = labSh("check", lab, "--k8s");
                    steps[0] = check.out();
                    return check.exitCode() == 0;
                });
        assertThat(steps[0]).containsPattern("(\\d+) of \\1 steps done").doesNotContain("✗");
        HANDS_ON.put(lab, "start " + startup.toSeconds() + "s, all done " + Duration.between(edited, Instant.now()).toSeconds() + "s after the edit");
        System.out.println("==> [k8s] hands-on " + lab + ": " + HANDS_ON.get(lab));
        deploy(lab);
    }

    /** Copies a file of the repository to the attendee's working folder (what solve would apply, written by hand). */
    static Edit copy(String source, String target) {
        return work -> Files.copy(lab.file(source), work.resolve(target), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** scripts/lab.sh on this test's cluster, its working folder and the images the test already built. */
    static Kubectl.Result labSh(String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("bash", lab.file("scripts/lab.sh").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(lab.root().toFile()).redirectErrorStream(true);
        builder.environment().put("LAB_WORK_DIR", work.toString());
        builder.environment().put("LAB_IMAGES_BUILT", "1");
        if (!cluster.local()) {
            builder.environment().put("KUBECONFIG", kubectl.kubeconfig().toString());
        }
        try {
            Process process = builder.start();
            String out = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            process.waitFor();
            System.out.println("==> [k8s] scripts/lab.sh " + String.join(" ", args) + " (exit " + process.exitValue() + ")\n" + out);
            return new Kubectl.Result(process.exitValue(), out, "");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The docs' commands for one scenario, then its rollouts; how long that took is reported. */
    static void deploy(String scenario) {
        Instant start = Instant.now();
        for (String command : KubernetesCommands.apply(scenario)) {
            kubectl.ok(KubernetesCommands.words(command));
        }
        for (String command : KubernetesCommands.waitReady()) {
            kubectl.run(READY.plusSeconds(30), KubernetesCommands.words(command)).orFail(command);
        }
        APPLY_TO_READY.put(scenario, Duration.between(start, Instant.now()));
        System.out.println("==> [k8s] scenario " + scenario + " ready " + APPLY_TO_READY.get(scenario).toSeconds() + "s after apply");
    }

    // ----- helpers --------------------------------------------------------------------------------------------

    /** The running, not terminating, ready pod of an app (a rollout may leave the old one terminating for a while). */
    static String currentPod(String namespace, String app) {
        JsonNode pods = json(kubectl.ok("-n", namespace, "get", "pods", "-l", "app=" + app, "-o", "json"));
        for (JsonNode pod : pods.path("items")) {
            boolean ready = false;
            for (JsonNode c : pod.path("status").path("conditions")) {
                ready |= c.path("type").asText().equals("Ready") && c.path("status").asText().equals("True");
            }
            if (pod.path("metadata").path("deletionTimestamp").isMissingNode() && ready) {
                return pod.path("metadata").path("name").asText();
            }
        }
        throw new AssertionError("no ready pod of app " + app + " in " + namespace);
    }

    static String spireServer(String... args) {
        String[] command = Stream.concat(Stream.of("-n", "spire", "exec", "spire-server-0", "-c", "spire-server", "--",
                "/opt/spire/bin/spire-server"), Stream.of(args)).toArray(String[]::new);
        return kubectl.ok(command);
    }

    static List<X509Certificate> spireBundle() {
        return Pem.certificates(spireServer("bundle", "show"));
    }

    static String envoyAdmin(String path) {
        try (PortForward admin = PortForward.open(kubectl, "demo", "pod/" + currentPod("demo", "customer-service"), lab.port("ENVOY_ADMIN_PORT"))) {
            return get("http://127.0.0.1:" + admin.localPort() + path).body();
        }
    }

    static long envoyStat(String name) {
        String text = envoyAdmin("/stats?filter=" + java.net.URLEncoder.encode("^" + name.replace(".", "\\.") + "$", java.nio.charset.StandardCharsets.UTF_8));
        for (String line : text.split("\n")) {
            if (line.startsWith(name + ": ")) {
                return Long.parseLong(line.substring(name.length() + 2).trim());
            }
        }
        return 0;
    }

    static HttpResponse<String> get(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new AssertionError("GET " + url + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** webapp's (or webapp-2's) JSON view, through a port-forward to its Service — the way the docs reach the page. */
    static JsonNode portal(String service) {
        try (PortForward page = PortForward.open(kubectl, "demo", "svc/" + service, 8080)) {
            HttpResponse<String> response = get("http://127.0.0.1:" + page.localPort() + "/api/portal");
            assertThat(response.statusCode()).as(service + " /api/portal: " + response.body()).isEqualTo(200);
            return json(response.body());
        }
    }

    static String page(String service) {
        try (PortForward page = PortForward.open(kubectl, "demo", "svc/" + service, 8080)) {
            return org.spiffelab.scenario.Portal.visibleText(get("http://127.0.0.1:" + page.localPort() + "/").body());
        }
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    static JsonNode file(String relative) {
        try {
            return JSON.readTree(Files.readString(lab.file(relative)));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static ProbePod probe(String namespace, String name, String serviceAccount) {
        ProbePod pod = ProbePod.start(kubectl, lab.get("TOOLBOX_IMAGE"), namespace, name, serviceAccount);
        return pod;
    }

    static ProbePod probeWithSvid(String name, String serviceAccount) {
        ProbePod pod = probe(lab.get("NAMESPACE"), name, serviceAccount);
        Awaitility.await(name + "'s X.509-SVID").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2))
                .until(() -> pod.fetchX509Svid().exitCode() == 0);
        return pod;
    }

    static String customerServiceUrl(String path) {
        return "https://customer-service:" + lab.get("ENVOY_TLS_PORT") + path;
    }

    // ----- the X.509 contract (x509 and sds-agent) -------------------------------------------------------------

    abstract static class X509Contract {
        ProbePod asWebapp;

        String scenario;

        void handsOnAndProbe(String scenario, Edit edit, String... notDone) {
            this.scenario = scenario;
            handsOn(scenario, edit, notDone);
            asWebapp = probeWithSvid("probe-webapp", "webapp");
        }

        @Test
        void envoyHoldsTheCustomerServiceSvidIssuedBySpireAndPresentsIt() throws Exception {
            JsonNode certs = json(envoyAdmin("/certs")).path("certificates").get(0);
            JsonNode leaf = certs.path("cert_chain").get(0);
            assertThat(leaf.path("subject_alt_names").findValuesAsText("uri")).containsExactly(lab.get("CUSTOMER_SERVICE_ID"));
            List<X509Certificate> bundle = spireBundle();
            assertThat(certs.path("ca_cert").findValuesAsText("serial_number").stream().map(s -> new BigInteger(s, 16)).toList())
                    .containsExactlyElementsOf(bundle.stream().map(X509Certificate::getSerialNumber).toList());

            MtlsProbe.Outcome outcome = tlsAs(asWebapp, bundle, "/api/customers");
            assertThat(outcome.failure()).isNull();
            X509Certificate presented = outcome.peerChain().get(0);
            assertThat(presented.getSerialNumber()).isEqualTo(new BigInteger(leaf.path("serial_number").asText(), 16));
            PKIXParameters pkix = new PKIXParameters(bundle.stream().map(c -> new TrustAnchor(c, null)).collect(Collectors.toSet()));
            pkix.setRevocationEnabled(false);
            CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(outcome.peerChain()), pkix);
        }

        @Test
        void aPodOfServiceAccountWebappGetsTheJsonApiOverMtls() {
            assertThat(asWebapp.svidSpiffeId()).isEqualTo(lab.get("WEBAPP_ID"));
            String path = "/api/customers/1001/balance";
            Kubectl.Result curl = asWebapp.curlWithSvid(customerServiceUrl(path)).orFail("curl");
            String out = curl.out();
            assertThat(out.substring(out.lastIndexOf('\n') + 1)).isEqualTo("200");
            assertThat(json(out.substring(0, out.lastIndexOf('\n')))).isEqualTo(file("customer-service/nginx/html" + path + ".json"));
        }

        @Test
        void noClientCertificateFailsTheHandshake() throws Exception {
            long before = envoyStat(LISTENER + "ssl.fail_verify_no_cert");
            MtlsProbe.Outcome outcome;
            try (PortForward tls = PortForward.open(kubectl, "demo", "pod/" + currentPod("demo", "customer-service"), lab.port("ENVOY_TLS_PORT"))) {
                outcome = MtlsProbe.withoutClientCertificate(spireBundle()).get("127.0.0.1", tls.localPort(), "/api/customers");
            }
            assertThat(outcome.failed()).as("a client without a certificate must not get a response").isTrue();
            assertThat(envoyStat(LISTENER + "ssl.fail_verify_no_cert")).isEqualTo(before + 1);
        }

        @Test
        void certificateFromAnotherCaWithTheSameSpiffeIdFailsTheHandshake() throws Exception {
            TestCa impostor = new TestCa(lab.get("TRUST_DOMAIN"));
            TestCa.Leaf leaf = impostor.issue(lab.get("WEBAPP_ID"));
            long before = envoyStat(LISTENER + "ssl.fail_verify_error");
            MtlsProbe.Outcome outcome;
            try (PortForward tls = PortForward.open(kubectl, "demo", "pod/" + currentPod("demo", "customer-service"), lab.port("ENVOY_TLS_PORT"))) {
                outcome = MtlsProbe.withClientCertificate(Stream.concat(leaf.chain().stream(), Stream.of(impostor.certificate())).toList(),
                        leaf.key(), spireBundle()).get("127.0.0.1", tls.localPort(), "/api/customers");
            }
            assertThat(outcome.failed()).as("an impostor certificate must not get a response").isTrue();
            assertThat(envoyStat(LISTENER + "ssl.fail_verify_error")).isEqualTo(before + 1);
        }

        @Test
        void nginxIsReachableOnlyInsideItsPod() {
            String podIp = kubectl.ok("-n", "demo", "get", "pod", currentPod("demo", "customer-service"), "-o", "jsonpath={.status.podIP}");
            Kubectl.Result outside = asWebapp.exec("curl", "-sS", "--max-time", "10", "http://" + podIp + ":" + lab.get("NGINX_PORT") + "/api/customers");
            assertThat(outside.exitCode()).as("curl exit code (7 = connection refused): " + outside.err()).isEqualTo(7);
        }

        @Test
        void webappPageShowsTheBalanceFetchedOverMtls() {
            JsonNode view = portal("webapp");
            JsonNode expected = file("customer-service/nginx/html/api/customers/1001/balance.json");
            assertThat(view.path("result").path("balance")).isEqualTo(expected);
            assertThat(view.path("identity").path("spiffeId").asText()).isEqualTo(lab.get("WEBAPP_ID"));
            assertThat(view.path("identity").path("peer").asText()).isEqualTo(lab.get("CUSTOMER_SERVICE_ID"));
            assertThat(view.path("scenario").asText()).as("the scenario the page names (its kustomization's lab-scenario)").isEqualTo(scenario);
            assertThat(page("webapp")).contains(expected.path("available").asText() + " EUR", "Ada Lovelace");
        }

        static MtlsProbe.Outcome tlsAs(ProbePod pod, List<X509Certificate> bundle, String path) throws Exception {
            // The probe's SVID key lives in the pod's memory-backed /dev/shm; the test reads it to act as that workload.
            List<X509Certificate> chain = Pem.certificates(pod.exec("cat", "/dev/shm/svid/svid.0.pem").orFail("cat").out());
            var key = Pem.ecPrivateKey(pod.exec("cat", "/dev/shm/svid/svid.0.key").orFail("cat").out());
            try (PortForward tls = PortForward.open(kubectl, "demo", "pod/" + currentPod("demo", "customer-service"), lab.port("ENVOY_TLS_PORT"))) {
                return MtlsProbe.withClientCertificate(chain, key, bundle).get("127.0.0.1", tls.localPort(), path);
            }
        }
    }

    // ----- the scenarios, in turn --------------------------------------------------------------------------------

    @Nested
    @Execution(ExecutionMode.SAME_THREAD)
    @Order(1)
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    class X509 extends X509Contract {

        @BeforeAll
        void deployX509() {
            // Lab 1: the attendee writes the template the scenario's own ClusterSPIFFEID uses, in place of the TODO.
            handsOnAndProbe("x509", work -> {
                java.nio.file.Path mine = work.resolve("cluster-spiffe-id.yaml");
                String template = Files.readAllLines(lab.file("k8s/base/cluster-spiffe-id.yaml")).stream()
                        .filter(l -> l.strip().startsWith("spiffeIDTemplate:")).findFirst().orElseThrow();
                Files.writeString(mine, Files.readString(mine).replace("  spiffeIDTemplate: \"TODO\"", template));
            }, "✗ a ClusterSPIFFEID is applied", "0 of 6 steps done");
        }

        @Test
        void theAgentAttestedWithK8sPsat() {
            JsonNode agents = json(spireServer("agent", "list", "-output", "json")).path("agents");
            assertThat(agents).hasSize(1);
            assertThat(agents.get(0).path("attestation_type").asText()).isEqualTo("k8s_psat");
            assertThat(agents.get(0).path("id").path("path").asText()).startsWith("/spire/agent/k8s_psat/demo/");
        }

        @Test
        void theClusterSpiffeIdStatusCountsThePods() {
            Awaitility.await("ClusterSPIFFEID status = pods in namespace demo").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(2))
                    .untilAsserted(() -> {
                        long pods = json(kubectl.ok("-n", "demo", "get", "pods", "-o", "json")).path("items").findValues("metadata").stream()
                                .filter(m -> m.path("deletionTimestamp").isMissingNode()).count();
                        JsonNode stats = json(kubectl.ok("get", "clusterspiffeid", "demo-workloads", "-o", "json")).path("status").path("stats");
                        assertThat(stats.path("namespacesSelected").asInt()).isEqualTo(1);
                        assertThat(stats.path("podsSelected").asLong()).isEqualTo(pods);
                        assertThat(stats.path("podEntryRenderFailures").asInt()).isZero();
                        assertThat(stats.path("entryFailures").asInt()).isZero();
                    });
        }

        @Test
        void aPodWithAnotherServiceAccountGetsAnotherIdAndDeletingItRemovesItsEntry() {
            String otherId = lab.get("TRUST_DOMAIN_ID") + "/ns/" + lab.get("NAMESPACE") + "/sa/lab-probe";
            ProbePod other = probeWithSvid("probe-other", "lab-probe");
            assertThat(other.svidSpiffeId()).isEqualTo(otherId).isNotEqualTo(asWebapp.svidSpiffeId());
            assertThat(entries(otherId)).isEqualTo(1);

            other.delete();
            Awaitility.await("the entry of the deleted pod removed").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(2))
                    .until(() -> entries(otherId) == 0);
            assertThat(entries(lab.get("WEBAPP_ID"))).as("entries of pods still running stay").isPositive();
        }

        @Test
        void aPodOutsideTheSelectorGetsNoSvid() {
            kubectl.run("create", "namespace", "lab-outside");
            ProbePod outside = probe("lab-outside", "probe-outside", "webapp");
            Kubectl.Result fetch = outside.fetchX509Svid();
            assertThat(fetch.exitCode()).isNotZero();
            assertThat(fetch.err() + fetch.out()).containsIgnoringCase("no identity issued");
            kubectl.run("delete", "namespace", "lab-outside", "--wait=false");
        }

        @Test
        void theAdmissionWebhookRefusesAnInvalidClusterSpiffeId() {
            java.nio.file.Path bad;
            try {
                bad = Files.createTempFile("bad-clusterspiffeid-", ".yaml");
                Files.writeString(bad, """
                        apiVersion: spire.spiffe.io/v1alpha1
                        kind: ClusterSPIFFEID
                        metadata: {name: lab-invalid}
                        spec:
                          spiffeIDTemplate: "spiffe://{{ .TrustDomain }}/{{ .Nope"
                        """);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            Kubectl.Result apply = kubectl.run("apply", "-f", bad.toString());
            assertThat(apply.exitCode()).isNotZero();
            assertThat(apply.err()).contains("admission webhook").contains("denied the request");
            assertThat(kubectl.run("get", "clusterspiffeid", "lab-invalid").exitCode()).isNotZero();
        }

        static int entries(String spiffeId) {
            return json(spireServer("entry", "show", "-spiffeID", spiffeId, "-output", "json")).path("entries").size();
        }
    }

    @Nested
    @Execution(ExecutionMode.SAME_THREAD)
    @Order(2)
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Rbac {
        static final String ALLOWED = "http.customer_service.rbac.allowed";
        static final String DENIED = "http.customer_service.rbac.denied";
        ProbePod asWebapp;

        @BeforeAll
        void deployRbac() {
            // Lab 2 starts from lab 1's finished config (both pages get the balance); the attendee adds the RBAC filter.
            handsOn("rbac", copy("customer-service/envoy/envoy-rbac.yaml", "k8s-rbac/envoy.yaml"),
                    "✗ customer-service's Envoy runs envoy.filters.http.rbac", "webapp-2's page shows the balance");
            asWebapp = probeWithSvid("probe-webapp", "webapp");
        }

        @Test
        void webappIsAllowedAndTheAllowedCounterMoves() {
            long allowed = envoyStat(ALLOWED);
            JsonNode view = portal("webapp");
            assertThat(view.path("result").path("profile").path("name").asText()).isEqualTo("Ada Lovelace");
            assertThat(envoyStat(ALLOWED)).isEqualTo(allowed + 3);
        }

        @Test
        void webapp2HasAValidSvidButThePolicyDeniesIt() {
            long denied = envoyStat(DENIED);
            JsonNode view = portal("webapp-2");
            assertThat(view.path("identity").path("spiffeId").asText()).isEqualTo(lab.get("WEBAPP_2_ID"));
            assertThat(view.path("identity").path("peer").asText()).isEqualTo(lab.get("CUSTOMER_SERVICE_ID"));
            assertThat(view.path("scenario").asText()).as("the scenario the page names (its kustomization's lab-scenario)").isEqualTo("rbac");
            assertThat(view.path("result").path("reason").asText()).isEqualTo("DENIED_BY_POLICY");
            assertThat(view.path("result").path("status").asInt()).isEqualTo(403);
            assertThat(view.path("result").path("body").asText()).isEqualTo("RBAC: access denied");
            assertThat(envoyStat(DENIED)).isEqualTo(denied + 1);
        }

        @Test
        void webappMayNotPostOrLeaveTheApiPaths() {
            assertThat(asWebapp.curlWithSvid(customerServiceUrl("/api/customers")).out()).endsWith("\n200");
            assertThat(asWebapp.curlWithSvid(customerServiceUrl("/api/customers"), "-X", "POST", "-d", "{}").out())
                    .isEqualTo("RBAC: access denied\n403");
            assertThat(asWebapp.curlWithSvid(customerServiceUrl("/healthz")).out()).isEqualTo("RBAC: access denied\n403");
        }
    }

    @Nested
    @Execution(ExecutionMode.SAME_THREAD)
    @Order(3)
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class SdsAgent extends X509Contract {

        @BeforeAll
        void deploySdsAgent() {
            // Lab 3 starts without the sidecar (Envoy waits for SDS); the attendee adds it to customer-service's pod.
            handsOnAndProbe("sds-agent", copy("k8s/components/sds-agent-sidecar/customer-service-sds-agent.yaml", "k8s-sds-agent/sds-agent-sidecar.yaml"),
                    "✗ sds-agent runs as a sidecar in customer-service's pod", "Envoy is INITIALIZING");
        }

        @Test
        void envoyIsFedBySdsAgentNotBySpire() {
            JsonNode pod = json(kubectl.ok("-n", "demo", "get", "pod", currentPod("demo", "customer-service"), "-o", "json"));
            JsonNode envoy = pod.path("spec").path("containers").findParents("name").stream()
                    .filter(c -> c.path("name").asText().equals("envoy")).findFirst().orElseThrow();
            // Envoy's socket folder is the sds-agent's emptyDir, not the SPIRE agent's hostPath.
            assertThat(envoy.path("volumeMounts").findParents("mountPath").stream()
                    .filter(m -> m.path("mountPath").asText().equals(lab.get("SPIRE_AGENT_SOCKET_DIR")))
                    .map(m -> m.path("name").asText()).toList()).containsExactly("sds-socket");
            String secrets = envoyAdmin("/config_dump?resource=dynamic_active_secrets");
            assertThat(secrets).contains(lab.get("CUSTOMER_SERVICE_ID")).contains(lab.get("TRUST_DOMAIN_ID"));
            assertThat(envoyStat("cluster.spire_agent.upstream_cx_active")).isPositive();
        }

        @Test
        void rotationsReachEnvoyWhileNewConnectionsKeepSucceeding() {
            // The ClusterSPIFFEID's hour-long SVIDs would not rotate during a test: shorten them for this test only.
            kubectl.ok("patch", "clusterspiffeid", "demo-workloads", "--type=merge", "-p",
                    "{\"spec\":{\"ttl\":\"" + ROTATION_TTL.toSeconds() + "s\"}}");
            ProbePod client = null;
            try {
                Awaitility.await("Envoy holds an SVID of the shortened TTL").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2))
                        .until(() -> heldLifetime().compareTo(ROTATION_TTL.plus(SPIRE_BACKDATE)) <= 0);
                client = probeWithSvid("rotation-client", "webapp");
                // One line per request, each on a new connection (pooled ones would hide a gap): the client re-fetches
                // its own short-lived SVID, asks for the API with curl, and reads the presented serial with openssl.
                String loop = """
                        end=$(( $(date +%%s) + %1$d )); seen=""
                        while [ "$(date +%%s)" -lt "$end" ]; do
                          spire-agent api fetch x509 -socketPath %2$s -write /dev/shm/svid >/dev/null 2>&1 || { echo "fail fetch"; continue; }
                          code=$(curl -s -o /dev/null -w '%%{http_code}' --max-time 5 --cert /dev/shm/svid/svid.0.pem \\
                                 --key /dev/shm/svid/svid.0.key --cacert /dev/shm/svid/bundle.0.pem %3$s)
                          serial=$(openssl s_client -connect customer-service:%4$s -cert /dev/shm/svid/svid.0.pem \\
                                   -key /dev/shm/svid/svid.0.key -CAfile /dev/shm/svid/bundle.0.pem -verify_return_error \\
                                   </dev/null 2>/dev/null | openssl x509 -noout -serial 2>/dev/null | cut -d= -f2)
                          if [ "$code" = 200 ] && [ -n "$serial" ]; then echo "ok $serial"; else echo "fail http=$code serial=$serial"; fi
                          case " $seen " in *" $serial "*) ;; *) seen="$seen $serial" ;; esac
                          [ "$(echo $seen | wc -w)" -ge 3 ] && break
                        done
                        """.formatted(ROTATION_WINDOW.toSeconds(), ProbePod.SOCKET, customerServiceUrl("/api/customers"), lab.get("ENVOY_TLS_PORT"));
                List<String> lines = client.exec(ROTATION_WINDOW.plusMinutes(1), "sh", "-c", loop).orFail("traffic loop").out().lines().toList();
                List<String> failures = lines.stream().filter(l -> !l.startsWith("ok ")).toList();
                Set<String> presented = lines.stream().filter(l -> l.startsWith("ok ")).map(l -> l.substring(3)).collect(Collectors.toCollection(LinkedHashSet::new));
                System.out.println("==> [k8s] sds-agent rotation: " + lines.size() + " requests on new connections, "
                        + failures.size() + " failed, serials presented " + presented);
                assertThat(failures).as("requests that failed while SVIDs rotated (of " + lines.size() + ")").isEmpty();
                assertThat(presented).as("distinct serials Envoy presented (2 rotations = 3 serials)").hasSizeGreaterThanOrEqualTo(3);
            } finally {
                kubectl.run("patch", "clusterspiffeid", "demo-workloads", "--type=json", "-p", "[{\"op\":\"remove\",\"path\":\"/spec/ttl\"}]");
                if (client != null) {
                    client.delete();
                }
            }
        }

        /** notAfter − notBefore of the certificate Envoy holds, from its admin API. */
        Duration heldLifetime() {
            JsonNode leaf = json(envoyAdmin("/certs")).path("certificates").get(0).path("cert_chain").get(0);
            return Duration.between(Instant.parse(leaf.path("valid_from").asText()), Instant.parse(leaf.path("expiration_time").asText()));
        }
    }

    @Nested
    @Execution(ExecutionMode.SAME_THREAD)
    @Order(4)
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Jwt {
        static final String OK = "http.customer_service.ext_authz.ok";
        static final String DENIED = "http.customer_service.ext_authz.denied";
        ProbePod asWebapp;

        @BeforeAll
        void deployJwt() {
            // Lab 4 starts with JWT-SVIDs sent but not checked; the attendee adds the ext_authz filter.
            handsOn("jwt", copy("customer-service/envoy/envoy-jwt.yaml", "k8s-jwt/envoy.yaml"),
                    "✗ customer-service's Envoy runs envoy.filters.http.ext_authz", "no subject was verified");
            asWebapp = probeWithSvid("probe-webapp", "webapp");
        }

        @Test
        void webappGetsDataAndThePageShowsTheAuthorizedSubject() {
            long ok = envoyStat(OK);
            JsonNode result = portal("webapp").path("result");
            assertThat(result.path("profile").path("name").asText()).isEqualTo("Ada Lovelace");
            assertThat(result.path("authorizedSubject").asText()).isEqualTo(lab.get("WEBAPP_ID"));
            assertThat(envoyStat(OK)).isEqualTo(ok + 3);
        }

        @Test
        void webapp2HasAValidJwtButItsSubjectIsNotAllowed() {
            long denied = envoyStat(DENIED);
            JsonNode result = portal("webapp-2").path("result");
            assertThat(result.path("status").asInt()).isEqualTo(403);
            assertThat(result.path("body").asText()).isEqualTo("subject " + lab.get("WEBAPP_2_ID") + " is not allowed");
            assertThat(envoyStat(DENIED)).isEqualTo(denied + 1);
        }

        @Test
        void aValidTokenPassesAndNoTokenOrAnotherAudienceDoesNot() {
            String url = customerServiceUrl("/api/customers/1001/balance");
            assertThat(asWebapp.curlWithSvid(url).out()).endsWith("\n401").contains("missing Authorization header");
            String token = jwt(lab.get("CUSTOMER_SERVICE_ID"));
            assertThat(asWebapp.curlWithSvid(url, "-D", "-", "-H", "authorization: Bearer " + token).out())
                    .endsWith("\n200").containsIgnoringCase("x-authorized-subject: " + lab.get("WEBAPP_ID"));
            String otherAudience = jwt(lab.get("TRUST_DOMAIN_ID") + "/ns/" + lab.get("NAMESPACE") + "/sa/payments");
            assertThat(asWebapp.curlWithSvid(url, "-H", "authorization: Bearer " + otherAudience).out())
                    .endsWith("\n401").contains("audience does not include");
        }

        String jwt(String audience) {
            String out = asWebapp.exec("spire-agent", "api", "fetch", "jwt", "-audience", audience, "-socketPath", ProbePod.SOCKET)
                    .orFail("spire-agent api fetch jwt").out();
            String[] lines = out.split("\n");
            for (int i = 0; i < lines.length - 1; i++) {
                if (lines[i].startsWith("token(")) {
                    return lines[i + 1].strip();
                }
            }
            throw new AssertionError("no JWT-SVID in: " + out);
        }
    }

    @Nested
    @Execution(ExecutionMode.SAME_THREAD)
    @Order(5)
    class CleanUp {

        @Test
        void theDocumentedCleanUpRemovesSpireTheWorkloadsAndTheCrds() {
            kubectl.ok(KubernetesCommands.words(KubernetesCommands.cleanUp("jwt")));
            kubectl.ok("delete", "namespace", "lab-outside", "--ignore-not-found");
            for (String namespace : List.of("demo", "spire")) {
                kubectl.run(READY, "wait", "--for=delete", "namespace/" + namespace, "--timeout=" + READY.toSeconds() + "s")
                        .orFail("namespace " + namespace + " deleted");
            }
            assertThat(kubectl.ok("get", "crd", "-o", "name")).doesNotContain("spire.spiffe.io");
            assertThat(kubectl.ok("get", "validatingwebhookconfigurations", "-o", "name")).doesNotContain("spire");
        }
    }
}
