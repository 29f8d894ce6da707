package org.spiffelab.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.spiffelab.harness.LabContainer;
import org.spiffelab.harness.StackExtension;
import org.spiffelab.harness.StackSpec;

/**
 * Scenario {@code sds-agent}: the same Envoy config as {@code x509}, but the socket Envoy reads is the Java sds-agent's.
 * Every x509 assertion is inherited unchanged; on top, short-lived SVIDs rotate under traffic, and a restart of
 * sds-agent costs no new connection. The client opens a new TLS connection per request, so every handshake uses the
 * certificate Envoy holds at that moment.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SdsAgentScenarioIT extends X509Contract {

    @RegisterExtension
    static final StackExtension STACK = new StackExtension(StackSpec::sdsAgent);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SDS_CLUSTER = "cluster.spire_agent.";
    private static final String SDS_UPDATES = "listener.0.0.0.0_8443.server_ssl_socket_factory.ssl_context_update_by_sds";

    @Test
    @Order(1)
    void envoyIsFedBySdsAgentNotBySpire() throws Exception {
        String dump = stack.envoyAdmin("/config_dump?resource=dynamic_active_secrets");
        assertThat(dump).contains(lab.get("CUSTOMER_SERVICE_ID")).contains(lab.get("TRUST_DOMAIN_ID"));
        // sds-agent's own count: Envoy's two SDS subscriptions (certificate, validation context) are its streams
        assertThat(sdsAgentStatus().path("sds_streams_open").asLong()).isGreaterThanOrEqualTo(2);
        // and Envoy's SDS cluster (the only one, on sds-agent's socket) holds the connection they run on
        assertThat(stack.envoyStat("cluster.spire_agent.upstream_cx_active")).isGreaterThanOrEqualTo(1);
    }

    @Test
    @Order(2)
    void rotationsReachEnvoyWhileRequestsKeepSucceeding() throws Exception {
        Traffic traffic = new Traffic();
        try {
            // Two rotations need about 2 × TTL/2; allow 4 × TTL before giving up.
            await("3 serials held and presented").atMost(Duration.ofSeconds(4L * StackSpec.SDS_AGENT_SVID_TTL_SECONDS))
                    .until(() -> traffic.presented.size() >= 3 && traffic.held.size() >= 3);
        } finally {
            traffic.stop();
        }
        assertThat(traffic.failures).as("failed requests out of %d", traffic.requests.get()).isEmpty();
        assertThat(traffic.stale).as("requests presented a certificate Envoy no longer held").isEmpty();
        assertThat(traffic.held).as("distinct serials Envoy held (2 rotations = 3 serials)").hasSizeGreaterThanOrEqualTo(3);
        assertThat(traffic.presented).as("distinct serials Envoy presented").hasSizeGreaterThanOrEqualTo(3);
        assertThat(stack.envoyStat(SDS_UPDATES)).isGreaterThanOrEqualTo(3);
    }

    @Test
    @Order(3)
    void aShortSdsAgentRestartCostsNoNewConnection() throws Exception {
        LabContainer<?> sdsAgent = stack.containers().stream().filter(c -> c.role().equals("sds-agent")).findFirst().orElseThrow();
        Traffic traffic = new Traffic();
        Duration back;
        int heldAtRestart;
        try {
            await("traffic flowing").atMost(Duration.ofSeconds(30)).until(() -> traffic.requests.get() >= 4);
            heldAtRestart = traffic.held.size();
            long connections = stack.envoyStat(SDS_CLUSTER + "upstream_cx_total");
            long connectFailures = stack.envoyStat(SDS_CLUSTER + "upstream_cx_connect_fail");
            Instant restart = Instant.now();
            sdsAgent.getDockerClient().restartContainerCmd(sdsAgent.getContainerId()).withTimeout(2).exec();
            Duration restarted = Duration.between(restart, Instant.now());
            // Envoy connects to the new process (its SDS back-off is capped at 1 s)...
            await("Envoy reconnected to the restarted sds-agent").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> stack.envoyStat(SDS_CLUSTER + "upstream_cx_total") > connections
                            && stack.envoyStat(SDS_CLUSTER + "upstream_cx_active") >= 1);
            back = Duration.between(restart, Instant.now());
            System.out.printf("==> docker restart took %d ms; Envoy reconnected after %d ms (%d failed connects meanwhile)%n",
                    restarted.toMillis(), back.toMillis(), stack.envoyStat(SDS_CLUSTER + "upstream_cx_connect_fail") - connectFailures);
            // ...and the new process counts both of Envoy's SDS streams
            await("Envoy's SDS streams on the restarted sds-agent").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> openStreamsOrZero() >= 2);
            // and the certificate keeps rotating through the new streams, still under traffic
            await("two rotations after the restart").atMost(Duration.ofSeconds(4L * StackSpec.SDS_AGENT_SVID_TTL_SECONDS))
                    .until(() -> traffic.held.size() >= heldAtRestart + 2);
        } finally {
            traffic.stop();
        }
        System.out.printf("==> sds-agent restart: Envoy's streams back on the new process after %d ms; %d new connections, %d failed%n",
                back.toMillis(), traffic.requests.get(), traffic.failures.size());
        assertThat(traffic.failures).as("failed new connections out of %d across the restart", traffic.requests.get()).isEmpty();
        assertThat(traffic.stale).isEmpty();
        assertThat(traffic.held).as("rotations after the restart").hasSizeGreaterThanOrEqualTo(heldAtRestart + 2);
    }

    /**
     * A new mTLS connection per request, every 250 ms on a thread of its own, with webapp's SVID; each presented
     * certificate is checked against the one Envoy holds just before and just after.
     */
    private final class Traffic {
        final MtlsProbe client;
        final Set<BigInteger> presented = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final Set<BigInteger> held = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<String> stale = new java.util.concurrent.CopyOnWriteArrayList<>();
        final java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
        private volatile boolean running = true;
        private final Thread thread;

        Traffic() throws Exception {
            client = MtlsProbe.withClientCertificate(Pem.certificates(webappSvid.certChain()),
                    Pem.ecPrivateKey(webappSvid.privateKey()), Pem.certificates(webappSvid.bundle()));
            thread = new Thread(this::run, "traffic");
            thread.start();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(30_000);
        }

        private void run() {
            while (running) {
                try {
                    BigInteger before = heldSerial();
                    MtlsProbe.Outcome outcome = client.get("localhost", stack.pod().publishedTlsPort(), "/api/customers");
                    BigInteger after = heldSerial();
                    requests.incrementAndGet();
                    held.add(before);
                    held.add(after);
                    if (outcome.failed() || outcome.status() != 200) {
                        failures.add(Instant.now() + " " + outcome.status() + " " + outcome.failure());
                    } else {
                        BigInteger serial = outcome.peerChain().get(0).getSerialNumber();
                        presented.add(serial);
                        if (!serial.equals(before) && !serial.equals(after)) {
                            stale.add(serial.toString(16) + " while Envoy held " + before.toString(16) + " then " + after.toString(16));
                        }
                    }
                    // paced, not waiting for a condition: the client's rhythm
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    // reading Envoy's admin failed, not a connection of the client: reported, not counted
                    System.out.println("==> traffic: could not read Envoy's /certs: " + e.getMessage());
                }
            }
        }

        /** As a number: Envoy's /certs keeps leading zeros, BigInteger.toString(16) does not. */
        private BigInteger heldSerial() {
            return new BigInteger(stack.envoyCerts().path("certificates").get(0).path("cert_chain").get(0).path("serial_number").asText(), 16);
        }
    }

    /** 0 while the restarted agent does not answer yet. */
    private long openStreamsOrZero() {
        try {
            return sdsAgentStatus().path("sds_streams_open").asLong();
        } catch (Exception e) {
            return 0;
        }
    }

    private JsonNode sdsAgentStatus() throws Exception {
        LabContainer<?> sdsAgent = stack.containers().stream().filter(c -> c.role().equals("sds-agent")).findFirst().orElseThrow();
        String out = sdsAgent.execOrFail("java", "-jar", "/opt/sds-agent/sds-agent.jar", "status",
                "--sds-socket=" + lab.get("SDS_AGENT_SOCKET"));
        return JSON.readTree(out.strip());
    }
}
