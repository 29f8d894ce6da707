package org.spiffelab.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.spiffelab.harness.LabProperties;
import org.spiffelab.harness.LabStack;
import org.spiffelab.harness.Registration;
import org.spiffelab.harness.StackExtension;
import org.spiffelab.harness.StackSpec;
import org.spiffelab.harness.SvidPem;
import org.spiffelab.harness.ToolboxContainer;
import org.spiffelab.harness.WebappContainer;

/**
 * Fault drills on the x509 scenario under steady traffic: a client opening a new mTLS connection to customer-service's
 * Envoy every 150 ms, and webapp's {@code /api/portal} (webapp → Envoy over mTLS) polled every 250 ms. Each drill breaks
 * one component the way operations do (kill, restart, a long stop), lets the stack heal by itself — no step but
 * starting the component again — and reports failed requests and recovery time per channel.
 *
 * <p>customer-service's and webapp's SVIDs live {@value #SVID_TTL_SECONDS} s, so one drill can stop the SPIRE server
 * for longer than they live. The probing client holds webapp-2's SVID (the server's default TTL, 1 h): what it sees is
 * the server side's health, not its own certificate expiring.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ResilienceIT {

    static final int SVID_TTL_SECONDS = 60;
    /**
     * How long the killed agent stays down: long enough that java-spiffe's default back-off (1, 2, 4, 8, 16 s ...) would
     * leave webapp on its old stream for over 10 s after the agent's return, short enough that the SVIDs outlive it.
     */
    private static final Duration AGENT_OUTAGE = Duration.ofSeconds(15);
    private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration WEBAPP_ON_NEW_SVID = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final StackExtension STACK = new StackExtension(ResilienceIT::spec);

    /** Scenario x509 with short-lived SVIDs for customer-service (Envoy) and webapp. */
    static StackSpec spec(LabProperties lab) {
        StackSpec x509 = StackSpec.x509(lab);
        List<Registration> entries = x509.registrations().stream()
                .map(r -> r.workload().equals("webapp-2") ? r : r.withX509SvidTtl(SVID_TTL_SECONDS)).toList();
        return new StackSpec(x509.scenario(), x509.envoyConfig(), entries, false, List.of(), false);
    }

    private final List<String> report = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    private LabStack stack;
    private WebappContainer webapp;
    private ToolboxContainer asWebapp;
    private Traffic traffic;
    private Traffic.Channel newConnections;
    private Traffic.Channel portal;

    @BeforeAll
    void startTraffic(LabStack stack) throws Exception {
        this.stack = stack;
        this.webapp = stack.startWebapp("webapp", Map.of());
        this.asWebapp = stack.startWorkload("webapp");
        ToolboxContainer client = stack.startWorkload("webapp-2");
        stack.awaitCondition("webapp-2's SVID for the probing client", Duration.ofSeconds(30), () -> client.fetchX509Svid().getExitCode() == 0);
        SvidPem svid = client.svidPem();
        var chain = Pem.certificates(svid.certChain());
        var key = Pem.ecPrivateKey(svid.privateKey());
        var bundle = Pem.certificates(svid.bundle());
        int port = stack.pod().publishedTlsPort();

        traffic = new Traffic();
        newConnections = traffic.start("new mTLS connection", Duration.ofMillis(150), () -> {
            // A fresh TLS context each time: no session to resume, so every request is a full handshake that
            // validates the server's current certificate (a resumed session would not, even past its expiry).
            MtlsProbe.Outcome outcome = MtlsProbe.withClientCertificate(chain, key, bundle).get("localhost", port, "/api/customers/1001/balance");
            return outcome.status() == 200 ? null : outcome.status() + " " + outcome.failure();
        });
        portal = traffic.start("webapp /api/portal", Duration.ofMillis(250), () -> {
            JsonNode view = portalView();
            return view.path("result").has("balance") ? null : view.path("result").path("reason").asText("no result");
        });
        stack.awaitCondition("traffic flowing", Duration.ofSeconds(60), () -> newConnections.lastSucceeded(5) && portal.lastSucceeded(3));
    }

    @AfterAll
    void stopTrafficAndReport() throws Exception {
        if (traffic != null) {
            traffic.close();
        }
        String table = "\n===== ResilienceIT: failed requests and recovery per drill (SVID TTL " + SVID_TTL_SECONDS + " s)\n"
                + String.join("\n", report) + "\n";
        System.out.println(table);
        Path file = Path.of(System.getProperty("lab.reports", "target/scenario-reports")).resolve("ResilienceIT").resolve("drills.txt");
        Files.createDirectories(file.getParent());
        Files.writeString(file, table);
    }

    @Test
    @Order(1)
    void killedAgentComesBackWithoutANewJoinTokenAndNoRequestFails() throws Exception {
        BigInteger before = webappSerial();
        Drill drill = new Drill("SPIRE agent killed and started again");
        stack.spireAgent().kill();
        Awaitility.await("the agent stays down").during(AGENT_OUTAGE).atMost(AGENT_OUTAGE.plusSeconds(5))
                .until(() -> !stack.spireAgent().isRunning());
        stack.spireAgent().startAgain();
        drill.repaired();
        stack.awaitCondition("SPIRE agent healthy again (same join token, already used)", Duration.ofSeconds(60),
                () -> stack.spireAgent().healthy());
        long agentBack = System.nanoTime();
        // webapp's Workload API stream reconnects and delivers the restarted agent's fresh SVID.
        stack.awaitCondition("webapp on the restarted agent's SVID", WEBAPP_ON_NEW_SVID, () -> {
            BigInteger current = currentWebappSvidSerial();
            return !current.equals(before) && current.equals(webappSerial());
        });
        Duration onNewSvid = Duration.ofNanos(System.nanoTime() - agentBack);
        stack.awaitCondition("Docker reports the agent healthy", Duration.ofSeconds(30), () -> "healthy".equals(stack.spireAgent().dockerHealth()));
        Map<String, Result> results = drill.finish("webapp on the new SVID " + seconds(onNewSvid) + " after the agent's return");

        results.values().forEach(r -> assertThat(r.failures()).as(r.describe()).isEmpty());
    }

    @Test
    @Order(2)
    void restartedServerKeepsItsCaAndTheAgentKeepsSyncing() throws Exception {
        Set<BigInteger> caBefore = caSerials();
        String agentStarted = stack.spireAgent().startedAt();
        Drill drill = new Drill("SPIRE server restarted");
        stack.spireServer().restart();
        drill.repaired();
        stack.awaitCondition("SPIRE server healthy again", Duration.ofSeconds(60), () -> stack.spireServer().healthy());
        BigInteger atReturn = webappSerial();
        // The agent renews webapp's SVID through the restarted server: it still trusts that server's CA.
        stack.awaitCondition("a rotation signed by the restarted server", Duration.ofSeconds(2L * SVID_TTL_SECONDS),
                () -> !webappSerial().equals(atReturn));
        Map<String, Result> results = drill.finish("CA unchanged, agent kept running and renewed webapp's SVID");

        assertThat(caSerials()).as("the trust domain's CA after a restart").isEqualTo(caBefore);
        assertThat(stack.spireAgent().startedAt()).as("the agent did not crash or restart").isEqualTo(agentStarted);
        results.values().forEach(r -> assertThat(r.failures()).as(r.describe()).isEmpty());
    }

    @Test
    @Order(3)
    void restartedEnvoyServesAgainWithBoundedFailures() throws Exception {
        Drill drill = new Drill("Envoy restarted");
        stack.envoy().restart();
        drill.repaired();
        stack.awaitCondition("Envoy /ready", Duration.ofSeconds(60),
                () -> stack.envoyCerts().path("certificates").path(0).path("cert_chain").size() > 0);
        Map<String, Result> results = drill.finish("failures while Envoy was down are expected: it is the server");

        assertThat(results.values()).allSatisfy(r -> assertThat(r.recovery()).as(r.describe()).isLessThan(RECOVERY_TIMEOUT));
    }

    @Test
    @Order(4)
    void restartedWebappServesAgainAndTheMtlsClientNeverNoticed() throws Exception {
        Drill drill = new Drill("webapp restarted");
        webapp.restart();
        drill.repaired();
        stack.awaitCondition("webapp /healthz", Duration.ofSeconds(60), () -> http.send(HttpRequest.newBuilder(URI.create(webapp.url() + "/healthz"))
                .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
        Map<String, Result> results = drill.finish("only webapp's own page may fail, while it starts");

        assertThat(results.get(newConnections.name()).failures()).as(results.get(newConnections.name()).describe()).isEmpty();
    }

    @Test
    @Order(5)
    void serverStoppedLongerThanTheSvidsLiveFailsBoundedAndHealsByItself() throws Exception {
        Set<BigInteger> caBefore = caSerials();
        Drill drill = new Drill("SPIRE server stopped until the SVIDs expired");
        stack.spireServer().stopGracefully();
        Instant expiry = Instant.parse(stack.envoyCerts().path("certificates").path(0).path("cert_chain").path(0)
                .path("expiration_time").asText());
        // Envoy's certificate cannot be renewed while the server is down: wait until it has expired.
        stack.awaitCondition("customer-service's SVID expired", Duration.ofSeconds(2L * SVID_TTL_SECONDS),
                () -> Instant.now().isAfter(expiry.plusSeconds(3)) && !newConnections.lastSucceeded(1));
        stack.spireServer().startAgain();
        drill.repaired();
        stack.awaitCondition("SPIRE server healthy again", Duration.ofSeconds(60), () -> stack.spireServer().healthy());
        Map<String, Result> results = drill.finish("SVIDs expired during the outage: failures expected until the agent renews them");

        assertThat(results.get(newConnections.name()).failures()).as("new connections fail once Envoy's SVID has expired").isNotEmpty();
        assertThat(caSerials()).as("the trust domain's CA after the outage").isEqualTo(caBefore);
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** Per channel: requests in the drill's window, the failed ones, and how long after the repair the last one failed. */
    record Result(String channel, int requests, List<String> failures, Duration recovery) {
        String describe() {
            Map<String, Long> kinds = failures.stream().collect(Collectors.groupingBy(f -> f.length() > 120 ? f.substring(0, 120) : f,
                    LinkedHashMap::new, Collectors.counting()));
            return channel + ": " + failures.size() + "/" + requests + " failed, recovered " + seconds(recovery)
                    + " after the repair" + (kinds.isEmpty() ? "" : " " + kinds);
        }
    }

    /** A drill's window over every traffic channel, from the fault until traffic is steady again. */
    private final class Drill {
        private final String name;
        private final long startNanos = System.nanoTime();
        private final Map<Traffic.Channel, Integer> marks = new LinkedHashMap<>();
        private long repairedNanos;

        Drill(String name) {
            this.name = name;
            for (Traffic.Channel channel : traffic.channels()) {
                marks.put(channel, channel.size());
            }
        }

        /** The component was started again: nothing else is done by hand from here. */
        void repaired() {
            repairedNanos = System.nanoTime();
        }

        Map<String, Result> finish(String note) {
            stack.awaitCondition(name + ": traffic steady again", RECOVERY_TIMEOUT,
                    () -> newConnections.lastSucceeded(10) && portal.lastSucceeded(4));
            Map<String, Result> results = new LinkedHashMap<>();
            StringBuilder line = new StringBuilder(String.format("%-48s outage %6s |", name, seconds(Duration.ofNanos(repairedNanos - startNanos))));
            for (Map.Entry<Traffic.Channel, Integer> mark : marks.entrySet()) {
                List<Traffic.Sample> samples = mark.getKey().since(mark.getValue());
                List<String> failures = samples.stream().filter(s -> !s.ok()).map(Traffic.Sample::failure).toList();
                long lastFailure = samples.stream().filter(s -> !s.ok()).mapToLong(Traffic.Sample::atNanos).max().orElse(repairedNanos);
                Result result = new Result(mark.getKey().name(), samples.size(), failures,
                        Duration.ofNanos(Math.max(0, lastFailure - repairedNanos)));
                results.put(result.channel(), result);
                line.append(String.format(" %s: %d/%d failed, recovery %s |", result.channel(), failures.size(), samples.size(),
                        seconds(result.recovery())));
                System.out.println("==> [drill] " + name + " — " + result.describe());
            }
            report.add(line.append(' ').append(note).toString());
            return results;
        }
    }

    private JsonNode portalView() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(webapp.url() + "/api/portal"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("HTTP " + response.statusCode());
        }
        return JSON.readTree(response.body());
    }

    /** The serial of the SVID webapp holds now, as its page reports it. */
    private BigInteger webappSerial() throws Exception {
        return new BigInteger(portalView().path("identity").path("serial").asText(), 16);
    }

    /** The serial of the SVID the agent hands webapp's identity now (another container attested as webapp). */
    private BigInteger currentWebappSvidSerial() {
        if (asWebapp.fetchX509Svid().getExitCode() != 0) {
            throw new IllegalStateException("no SVID from the agent yet");
        }
        return Pem.certificates(asWebapp.svidPem().certChain()).get(0).getSerialNumber();
    }

    private Set<BigInteger> caSerials() {
        return Pem.certificates(stack.spireServer().bundlePem()).stream().map(X509Certificate::getSerialNumber).collect(Collectors.toSet());
    }

    private static String seconds(Duration d) {
        return String.format("%.1f s", d.toMillis() / 1000.0);
    }
}
