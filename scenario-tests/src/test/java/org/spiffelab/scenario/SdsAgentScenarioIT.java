package org.spiffelab.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
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
        // Two rotations need about 2 × TTL/2; allow 4 × TTL before giving up.
        traffic.runUntil(() -> traffic.presented.size() >= 3 && traffic.held.size() >= 3,
                Duration.ofSeconds(4L * StackSpec.SDS_AGENT_SVID_TTL_SECONDS));
        assertThat(traffic.failures).as("failed requests out of %d", traffic.requests).isEmpty();
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
        traffic.runFor(Duration.ofSeconds(2));
        Instant restart = Instant.now();
        sdsAgent.getDockerClient().restartContainerCmd(sdsAgent.getContainerId()).withTimeout(2).exec();
        // the new process serves Envoy's two SDS streams again (its counter starts from zero)
        Duration[] back = new Duration[1];
        traffic.runUntil(() -> {
            if (back[0] == null && openStreamsOrZero() >= 2) {
                back[0] = Duration.between(restart, Instant.now());
            }
            return back[0] != null;
        }, Duration.ofSeconds(30));
        Set<BigInteger> heldAfterRestart = new LinkedHashSet<>(traffic.held);
        // then the certificate keeps rotating through the new streams, still under traffic
        traffic.runUntil(() -> traffic.held.size() >= heldAfterRestart.size() + 2,
                Duration.ofSeconds(4L * StackSpec.SDS_AGENT_SVID_TTL_SECONDS));
        System.out.printf("==> sds-agent restart: streams back after %d ms; %d requests, %d failed%n",
                back[0].toMillis(), traffic.requests, traffic.failures.size());
        assertThat(back[0]).as("sds-agent back with Envoy's streams").isNotNull().isLessThan(Duration.ofSeconds(10));
        assertThat(traffic.failures).as("failed new connections out of %d across the restart", traffic.requests).isEmpty();
        assertThat(traffic.stale).isEmpty();
        assertThat(traffic.held).as("rotations after the restart").hasSizeGreaterThanOrEqualTo(heldAfterRestart.size() + 2);
    }

    /** A new mTLS connection per request (every 250 ms) with webapp's SVID, checked against what Envoy holds. */
    private final class Traffic {
        final MtlsProbe client;
        final Set<BigInteger> presented = new LinkedHashSet<>();
        final Set<BigInteger> held = new LinkedHashSet<>();
        final List<String> failures = new ArrayList<>();
        final List<String> stale = new ArrayList<>();
        int requests;

        Traffic() throws Exception {
            client = MtlsProbe.withClientCertificate(Pem.certificates(webappSvid.certChain()),
                    Pem.ecPrivateKey(webappSvid.privateKey()), Pem.certificates(webappSvid.bundle()));
        }

        void runFor(Duration duration) throws Exception {
            Instant end = Instant.now().plus(duration);
            runUntil(() -> Instant.now().isAfter(end), duration.plusSeconds(1));
        }

        void runUntil(java.util.concurrent.Callable<Boolean> done, Duration limit) throws Exception {
            Instant deadline = Instant.now().plus(limit);
            while (!done.call() && Instant.now().isBefore(deadline)) {
                BigInteger before = heldSerial();
                MtlsProbe.Outcome outcome = client.get("localhost", stack.pod().publishedTlsPort(), "/api/customers");
                BigInteger after = heldSerial();
                requests++;
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
