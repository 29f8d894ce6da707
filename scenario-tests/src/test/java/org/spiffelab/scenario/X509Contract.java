package org.spiffelab.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.spiffelab.harness.LabProperties;
import org.spiffelab.harness.LabStack;
import org.spiffelab.harness.SvidPem;
import org.spiffelab.harness.ToolboxContainer;
import org.spiffelab.harness.WebappContainer;
import org.spiffelab.harness.pki.TestCa;
import org.testcontainers.containers.Container.ExecResult;
import org.awaitility.Awaitility;

/**
 * What every X.509 scenario must show: customer-service's Envoy holds its X.509-SVID and the trust bundle from SDS and
 * admits only clients holding an SVID of example.org. Subclasses start the stack ({@link X509ScenarioIT} with SPIRE's
 * SDS, {@link SdsAgentScenarioIT} with the Java sds-agent) and inherit every assertion unchanged.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class X509Contract {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LISTENER_STATS = "listener.0.0.0.0_8443.";

    // One instance per class (PER_CLASS): set once from the stack the subclass's StackExtension injects.
    LabStack stack;
    LabProperties lab;
    ToolboxContainer webapp;
    SvidPem webappSvid;
    List<X509Certificate> spireBundle;

    @BeforeAll
    void registeredClientFetchesItsSvid(LabStack stack) {
        this.stack = stack;
        this.lab = stack.lab();
        this.spireBundle = Pem.certificates(stack.spireServer().bundlePem());
        this.webapp = stack.startWorkload("webapp");
        Awaitility.await("webapp's X.509-SVID from the Workload API").atMost(Duration.ofSeconds(30))
                .until(() -> webapp.fetchX509Svid().getExitCode() == 0);
        this.webappSvid = webapp.svidPem();
    }

    @Test
    void envoyHoldsTheCustomerServiceSvidIssuedBySpire() throws Exception {
        JsonNode certs = stack.envoyCerts().path("certificates").get(0);
        JsonNode leaf = certs.path("cert_chain").get(0);
        assertThat(leaf.path("subject_alt_names").findValuesAsText("uri")).containsExactly(lab.get("CUSTOMER_SERVICE_ID"));
        // The validation context Envoy got over SDS is SPIRE's own CA.
        // Envoy prints serials as fixed-width hex (leading zeros kept): compare numbers, not strings.
        assertThat(certs.path("ca_cert").findValuesAsText("serial_number").stream().map(s -> new java.math.BigInteger(s, 16)).toList())
                .containsExactlyElementsOf(spireBundle.stream().map(X509Certificate::getSerialNumber).toList());

        // What Envoy presents on the wire is that certificate, and it chains to SPIRE's bundle.
        MtlsProbe.Outcome outcome = probeAs(webappSvid).get("localhost", stack.pod().publishedTlsPort(), "/api/customers");
        assertThat(outcome.failure()).isNull();
        X509Certificate presented = outcome.peerChain().get(0);
        assertThat(presented.getSerialNumber()).isEqualTo(new java.math.BigInteger(leaf.path("serial_number").asText(), 16));
        assertThat(uriSans(presented)).containsExactly(lab.get("CUSTOMER_SERVICE_ID"));
        PKIXParameters pkix = new PKIXParameters(spireBundle.stream().map(c -> new TrustAnchor(c, null)).collect(Collectors.toSet()));
        pkix.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(outcome.peerChain()), pkix);
    }

    @Test
    void registeredWorkloadGetsTheJsonApiOverMtls() throws Exception {
        assertThat(uriSans(Pem.certificates(webappSvid.certChain()).get(0))).containsExactly(lab.get("WEBAPP_ID"));
        String path = "/api/customers/1001/balance";
        ExecResult curl = webapp.curlWithSvid("https://customer-service:" + lab.get("ENVOY_TLS_PORT") + path);
        assertThat(curl.getExitCode()).as(curl.getStderr()).isZero();
        String out = curl.getStdout();
        assertThat(out.substring(out.lastIndexOf('\n') + 1)).isEqualTo("200");
        JsonNode expected = JSON.readTree(Files.readString(lab.file("customer-service/nginx/html" + path + ".json")));
        assertThat(JSON.readTree(out.substring(0, out.lastIndexOf('\n')))).isEqualTo(expected);
    }

    @Test
    void noClientCertificateFailsTheHandshake() throws Exception {
        long before = stack.envoyStat(LISTENER_STATS + "ssl.fail_verify_no_cert");
        MtlsProbe.Outcome outcome = MtlsProbe.withoutClientCertificate(spireBundle)
                .get("localhost", stack.pod().publishedTlsPort(), "/api/customers");
        assertThat(outcome.failed()).as("a client without a certificate must not get a response").isTrue();
        assertThat(stack.envoyStat(LISTENER_STATS + "ssl.fail_verify_no_cert")).isEqualTo(before + 1);
    }

    @Test
    void certificateFromAnotherCaWithTheSameSpiffeIdFailsTheHandshake() throws Exception {
        // Same trust domain name, same SPIFFE ID, different keys.
        TestCa impostor = new TestCa(lab.get("TRUST_DOMAIN"));
        TestCa.Leaf leaf = impostor.issue(lab.get("WEBAPP_ID"));
        long before = stack.envoyStat(LISTENER_STATS + "ssl.fail_verify_error");
        MtlsProbe.Outcome outcome = MtlsProbe.withClientCertificate(
                java.util.stream.Stream.concat(leaf.chain().stream(), java.util.stream.Stream.of(impostor.certificate())).toList(),
                leaf.key(), spireBundle)
                .get("localhost", stack.pod().publishedTlsPort(), "/api/customers");
        assertThat(outcome.failed()).as("an impostor certificate must not get a response").isTrue();
        assertThat(stack.envoyStat(LISTENER_STATS + "ssl.fail_verify_error")).isEqualTo(before + 1);
    }

    @Test
    void everyConnectionProvesItsCertificateAfreshWithoutSessionResumption() throws Exception {
        // One client context offers its session ticket on every reconnection; a resumed session would skip the
        // client-certificate check and let a client in on a handshake made before its SVID expired.
        MtlsProbe client = probeAs(webappSvid);
        long handshakes = stack.envoyStat(LISTENER_STATS + "ssl.handshake");
        long reused = stack.envoyStat(LISTENER_STATS + "ssl.session_reused");
        for (int i = 0; i < 3; i++) {
            assertThat(client.get("localhost", stack.pod().publishedTlsPort(), "/api/customers").failure()).isNull();
        }
        assertThat(stack.envoyStat(LISTENER_STATS + "ssl.handshake")).as("full handshakes").isEqualTo(handshakes + 3);
        assertThat(stack.envoyStat(LISTENER_STATS + "ssl.session_reused")).as("resumed sessions").isEqualTo(reused);
    }

    @Test
    void workloadWithoutRegistrationGetsNoSvid() {
        ToolboxContainer stranger = stack.startWorkload("stranger");
        ExecResult fetch = stranger.fetchX509Svid();
        assertThat(fetch.getExitCode()).isNotZero();
        assertThat(fetch.getStderr() + fetch.getStdout()).containsIgnoringCase("no identity issued");
        assertThat(stranger.exec("test", "-e", "/dev/shm/svid/svid.0.key").getExitCode()).isNotZero();
    }

    @Test
    void plainHttpToTheTlsPortDoesNotReachNginx() throws Exception {
        long requestsBefore = stack.envoyStat("http.customer_service.downstream_rq_total");
        String reply;
        try (Socket socket = new Socket("localhost", stack.pod().publishedTlsPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /api/customers HTTP/1.1\r\nHost: customer-service\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            reply = MtlsProbe.readAll(in);
        }
        assertThat(reply).doesNotStartWith("HTTP/").doesNotContain("customers");
        assertThat(stack.envoyStat("http.customer_service.downstream_rq_total")).isEqualTo(requestsBefore);
    }

    @Test
    void nginxIsReachableOnlyInsideItsPod() {
        int nginxPort = lab.port("NGINX_PORT");
        ExecResult inside = stack.podProbe().curl("http://127.0.0.1:" + nginxPort + "/api/customers");
        assertThat(inside.getStdout()).endsWith("\n200").contains("Ada Lovelace");

        ExecResult outside = webapp.curl("http://customer-service:" + nginxPort + "/api/customers");
        assertThat(outside.getExitCode()).as("curl exit code (7 = connection refused)").isEqualTo(7);
    }

    @Test
    void webappPageShowsTheBalanceFetchedOverMtls() throws Exception {
        WebappContainer portal = stack.startWebapp("webapp", Map.of());
        JsonNode view = Portal.view(portal);
        JsonNode expected = JSON.readTree(Files.readString(lab.file("customer-service/nginx/html/api/customers/1001/balance.json")));
        assertThat(view.path("result").path("balance")).isEqualTo(expected);
        assertThat(view.path("identity").path("spiffeId").asText()).isEqualTo(lab.get("WEBAPP_ID"));
        assertThat(view.path("identity").path("trustDomain").asText()).isEqualTo(lab.get("TRUST_DOMAIN"));
        assertThat(view.path("identity").path("peer").asText()).isEqualTo(lab.get("CUSTOMER_SERVICE_ID"));
        assertThat(view.path("scenario").asText()).as("the scenario the page names").isEqualTo(stack.spec().scenario());
        assertThat(Portal.page(portal)).contains(expected.path("available").asText() + " EUR", "Ada Lovelace");
    }

    @Test
    void webappExpectingAnotherServerIdRefusesTheConnectionAndSaysSo() throws Exception {
        String wrongId = "spiffe://" + lab.get("TRUST_DOMAIN") + "/ns/" + lab.get("NAMESPACE") + "/sa/payments";
        WebappContainer portal = stack.startWebapp("webapp-pinned-wrong", "webapp", Map.of("CUSTOMER_SERVICE_ID", wrongId));
        JsonNode result = Portal.view(portal).path("result");
        assertThat(result.path("reason").asText()).isEqualTo("SERVER_NOT_TRUSTED");
        assertThat(result.path("message").asText()).contains(lab.get("CUSTOMER_SERVICE_ID")).contains(wrongId);
        assertThat(result.has("balance")).isFalse();
        assertThat(Portal.page(portal)).contains("Refused to talk to an unexpected server").doesNotContain("Exception");
    }

    static MtlsProbe probeAs(SvidPem svid) throws Exception {
        return MtlsProbe.withClientCertificate(Pem.certificates(svid.certChain()), Pem.ecPrivateKey(svid.privateKey()),
                Pem.certificates(svid.bundle()));
    }

    static Set<String> uriSans(X509Certificate cert) throws Exception {
        return cert.getSubjectAlternativeNames().stream().filter(san -> (Integer) san.get(0) == 6)
                .map(san -> (String) san.get(1)).collect(Collectors.toSet());
    }
}
