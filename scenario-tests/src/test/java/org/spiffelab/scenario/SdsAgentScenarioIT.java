package org.spiffelab.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.spiffelab.harness.StackExtension;
import org.spiffelab.harness.StackSpec;

/**
 * Scenario {@code sds-agent}: the same Envoy config as {@code x509}, but the socket Envoy reads is the Java sds-agent's.
 * Every x509 assertion is inherited unchanged; on top, short-lived SVIDs rotate under continuous traffic.
 */
class SdsAgentScenarioIT extends X509Contract {

    @RegisterExtension
    static final StackExtension STACK = new StackExtension(StackSpec::sdsAgent);

    @Test
    void envoyIsFedBySdsAgentNotBySpire() {
        String dump = stack.envoyAdmin("/config_dump?resource=dynamic_active_secrets");
        assertThat(dump).contains(lab.get("CUSTOMER_SERVICE_ID")).contains(lab.get("TRUST_DOMAIN_ID"));
        // The sds-agent log names the stream it served Envoy on; SPIRE never saw Envoy (no label, no socket).
        String log = stack.containers().stream().filter(c -> c.role().equals("sds-agent")).findFirst().orElseThrow().getLogs();
        assertThat(log).contains("requests names=[" + lab.get("CUSTOMER_SERVICE_ID"));
    }

    @Test
    void rotationsReachEnvoyWhileRequestsKeepSucceeding() throws Exception {
        MtlsProbe client = MtlsProbe.withClientCertificate(Pem.certificates(webappSvid.certChain()),
                Pem.ecPrivateKey(webappSvid.privateKey()), Pem.certificates(webappSvid.bundle()));
        Set<java.math.BigInteger> servedSerials = new LinkedHashSet<>();
        List<String> failures = new ArrayList<>();
        int requests = 0;
        // Two rotations need about 2 × TTL/2; allow 4 × TTL before giving up.
        Instant deadline = Instant.now().plus(Duration.ofSeconds(4L * StackSpec.SDS_AGENT_SVID_TTL_SECONDS));
        while (servedSerials.size() < 3 && Instant.now().isBefore(deadline)) {
            MtlsProbe.Outcome outcome = client.get("localhost", stack.pod().publishedTlsPort(), "/api/customers");
            requests++;
            if (outcome.failed() || outcome.status() != 200) {
                failures.add(outcome.status() + " " + outcome.failure());
            } else {
                // as numbers: Envoy's /certs keeps leading zeros, BigInteger.toString(16) does not
                java.math.BigInteger presented = outcome.peerChain().get(0).getSerialNumber();
                java.math.BigInteger inCerts = new java.math.BigInteger(
                        stack.envoyCerts().path("certificates").get(0).path("cert_chain").get(0).path("serial_number").asText(), 16);
                servedSerials.add(presented);
                servedSerials.add(inCerts);
            }
            Thread.sleep(250);
        }
        assertThat(failures).as("failed requests out of %d", requests).isEmpty();
        assertThat(servedSerials).as("distinct serials Envoy held and presented (2 rotations = 3 serials)").hasSizeGreaterThanOrEqualTo(3);
        assertThat(stack.envoyStat("listener.0.0.0.0_8443.server_ssl_socket_factory.ssl_context_update_by_sds")).isGreaterThanOrEqualTo(3);
    }
}
