package org.spiffelab.sds.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.BuildVersion;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.type.v3.SemanticVersion;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spiffelab.harness.pki.TestCa;
import org.spiffelab.sds.testing.RunningAgent;
import org.spiffelab.sds.testing.SdsClient;
import org.spiffelab.sds.testing.Svids;

/** The SDS rules, end to end in one JVM: java-spiffe → fake Workload API → sds-agent → an Envoy-like SDS client. */
class SdsServiceTest {

    static final String ENVOY_ID = "spiffe://example.org/ns/demo/sa/customer-service";
    static final String SECOND_ID = "spiffe://example.org/ns/demo/sa/customer-service-admin";
    static final Node NODE = Node.newBuilder().setId("customer-service").setCluster("customer-service").build();
    static final long QUIET_MS = 700;

    @TempDir
    Path dir;
    TestCa ca;
    TestCa partner;
    RunningAgent agent;
    SdsClient envoy;

    @BeforeEach
    void start() throws Exception {
        ca = new TestCa("example.org");
        partner = new TestCa("partner.org");
        agent = new RunningAgent(dir, false);
        agent.publishAndWait(Svids.response(ca, List.of(ENVOY_ID, SECOND_ID), partner));
        envoy = new SdsClient(agent.sdsSocket);
    }

    @AfterEach
    void stop() throws Exception {
        envoy.close();
        agent.close();
    }

    @Test
    void spiffeIdAndTrustDomainNamesGiveTheCertificateAndTheSpiffeValidator() throws Exception {
        try (SdsClient.Stream stream = envoy.stream()) {
            stream.send(SdsClient.request(NODE, ENVOY_ID, "spiffe://example.org").build());
            DiscoveryResponse response = stream.next();
            assertThat(response.getTypeUrl()).isEqualTo(SdsClient.TYPE_URL);
            List<Secret> secrets = SdsClient.secrets(response);
            assertThat(secrets).extracting(Secret::getName).containsExactly(ENVOY_ID, "spiffe://example.org");

            X509Certificate leaf = pem(secrets.get(0).getTlsCertificate().getCertificateChain().getInlineBytes().toStringUtf8()).get(0);
            assertThat(leaf.getSubjectAlternativeNames().iterator().next().get(1)).isEqualTo(ENVOY_ID);
            assertThat(secrets.get(0).getTlsCertificate().getPrivateKey().getInlineBytes().toStringUtf8()).startsWith("-----BEGIN PRIVATE KEY-----");

            var validator = secrets.get(1).getValidationContext().getCustomValidatorConfig();
            assertThat(validator.getName()).isEqualTo("envoy.tls.cert_validator.spiffe");
            var config = validator.getTypedConfig().unpack(SPIFFECertValidatorConfig.class);
            assertThat(config.getTrustDomainsList()).extracting(SPIFFECertValidatorConfig.TrustDomain::getName).containsExactly("example.org");
            assertThat(pem(config.getTrustDomains(0).getTrustBundle().getInlineBytes().toStringUtf8())).containsExactly(ca.certificate());
        }
    }

    @Test
    void aliasesServeTheDefaultSvidTheOwnBundleAndAllBundles() throws Exception {
        try (SdsClient.Stream stream = envoy.stream()) {
            stream.send(SdsClient.request(NODE, "default", "ROOTCA", "ALL").build());
            List<Secret> secrets = SdsClient.secrets(stream.next());
            assertThat(secrets).extracting(Secret::getName).containsExactly("default", "ROOTCA", "ALL");
            X509Certificate first = pem(secrets.get(0).getTlsCertificate().getCertificateChain().getInlineBytes().toStringUtf8()).get(0);
            assertThat(first.getSubjectAlternativeNames().iterator().next().get(1)).isEqualTo(ENVOY_ID);
            assertThat(trustDomains(secrets.get(1))).containsExactly("example.org");
            assertThat(trustDomains(secrets.get(2))).containsExactly("example.org", "partner.org");
        }
    }

    @Test
    void noNamesMeansEverySvidAndEveryBundle() throws Exception {
        try (SdsClient.Stream stream = envoy.stream()) {
            stream.send(SdsClient.request(NODE).build());
            assertThat(SdsClient.secrets(stream.next())).extracting(Secret::getName)
                    .containsExactlyInAnyOrder(ENVOY_ID, SECOND_ID, "spiffe://example.org", "spiffe://partner.org");
        }
    }

    @Test
    void unknownNamesAreRefusedByName() throws Exception {
        try (SdsClient.Stream stream = envoy.stream()) {
            stream.send(SdsClient.request(NODE, ENVOY_ID, "spiffe://example.org/ns/demo/sa/webapp").build());
            Status status = stream.status();
            assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(status.getDescription()).contains("not authorized").contains("spiffe://example.org/ns/demo/sa/webapp")
                    .doesNotContain(ENVOY_ID);
        }
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            many.add("spiffe://example.org/unknown/" + i);
        }
        try (SdsClient.Stream stream = envoy.stream()) {
            stream.send(SdsClient.request(NODE, many.toArray(String[]::new)).build());
            Status status = stream.status();
            assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(status.getDescription()).contains("and 4990 more").hasSizeLessThan(2000);
        }
    }

    @Test
    void validationModeFollowsConfigNodeMetadataAndEnvoyVersion() throws Exception {
        Node old = NODE.toBuilder().setUserAgentBuildVersion(BuildVersion.newBuilder()
                .setVersion(SemanticVersion.newBuilder().setMajorNumber(1).setMinorNumber(17))).build();
        Node current = NODE.toBuilder().setUserAgentBuildVersion(BuildVersion.newBuilder()
                .setVersion(SemanticVersion.newBuilder().setMajorNumber(1).setMinorNumber(40))).build();
        Node optedOut = NODE.toBuilder().setMetadata(Struct.newBuilder()
                .putFields("disable_spiffe_cert_validation", Value.newBuilder().setBoolValue(true).build())).build();
        assertThat(validationContext(old).hasTrustedCa()).isTrue();
        assertThat(validationContext(current).hasCustomValidatorConfig()).isTrue();
        assertThat(validationContext(optedOut).hasTrustedCa()).isTrue();
        assertThat(pem(validationContext(optedOut).getTrustedCa().getInlineBytes().toStringUtf8())).containsExactly(ca.certificate());
    }

    @Test
    void configuredTrustedCaModeCanBeOverriddenBackByTheNode() throws Exception {
        envoy.close();
        agent.close();
        agent = new RunningAgent(Files.createDirectories(dir.resolve("b")), true);
        agent.publishAndWait(Svids.response(ca, List.of(ENVOY_ID)));
        envoy = new SdsClient(agent.sdsSocket);
        Node optedIn = NODE.toBuilder().setMetadata(Struct.newBuilder()
                .putFields("disable_spiffe_cert_validation", Value.newBuilder().setStringValue("false").build())).build();
        assertThat(validationContext(NODE).hasTrustedCa()).isTrue();
        assertThat(validationContext(optedIn).hasCustomValidatorConfig()).isTrue();
    }

    @Test
    void ackGetsNoReplyAndRotationIsPushedWithANewVersion() throws Exception {
        try (SdsClient.Stream stream = envoy.stream()) {
            stream.send(SdsClient.request(NODE, ENVOY_ID).build());
            DiscoveryResponse first = stream.next();
            stream.ack(first, NODE, ENVOY_ID);
            assertThat(stream.poll(QUIET_MS)).as("an ACK is not answered").isNull();

            agent.workloadApi.publish(Svids.response(ca, List.of(ENVOY_ID, SECOND_ID), partner));
            DiscoveryResponse pushed = stream.next();
            assertThat(Long.parseLong(pushed.getVersionInfo())).isGreaterThan(Long.parseLong(first.getVersionInfo()));
            assertThat(pushed.getNonce()).isNotEqualTo(first.getNonce());
            assertThat(serial(pushed)).isNotEqualTo(serial(first));
        }
    }

    @Test
    void nackIsNotAnsweredWithAResendLoop() throws Exception {
        try (SdsClient.Stream stream = envoy.stream()) {
            stream.send(SdsClient.request(NODE, ENVOY_ID).build());
            DiscoveryResponse first = stream.next();
            stream.send(SdsClient.request(NODE, ENVOY_ID).setVersionInfo("").setResponseNonce(first.getNonce())
                    .setErrorDetail(com.google.rpc.Status.newBuilder().setMessage("bad certificate")).build());
            assertThat(stream.poll(QUIET_MS)).isNull();
            assertThat(stream.ended()).isFalse();
        }
    }

    @Test
    void staleNonceIsIgnoredAndChangedNamesAreAnsweredAtOnce() throws Exception {
        try (SdsClient.Stream stream = envoy.stream()) {
            stream.send(SdsClient.request(NODE, ENVOY_ID).build());
            DiscoveryResponse first = stream.next();
            stream.send(SdsClient.request(NODE, ENVOY_ID, "spiffe://example.org").setResponseNonce("not-the-last-nonce").build());
            assertThat(stream.poll(QUIET_MS)).as("stale nonce").isNull();
            stream.send(SdsClient.request(NODE, ENVOY_ID, "spiffe://example.org").setVersionInfo(first.getVersionInfo())
                    .setResponseNonce(first.getNonce()).build());
            assertThat(SdsClient.secrets(stream.next())).extracting(Secret::getName).containsExactly(ENVOY_ID, "spiffe://example.org");
        }
    }

    @Test
    void garbageTypeUrlAndHugeRequestsGetAStatusAndTheServerKeepsServing() throws Exception {
        try (SdsClient.Stream stream = envoy.stream()) {
            stream.send(SdsClient.request(NODE, ENVOY_ID).setTypeUrl("type.googleapis.com/not.a.Secret\u0000\uffff").build());
            assertThat(stream.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        }
        Struct.Builder huge = Struct.newBuilder();
        String blob = "x".repeat(1024 * 1024);
        for (int i = 0; i < 5; i++) {
            huge.putFields("k" + i, Value.newBuilder().setStringValue(blob).build());
        }
        try (SdsClient.Stream stream = envoy.stream()) {
            stream.send(SdsClient.request(NODE.toBuilder().setMetadata(huge).build(), ENVOY_ID).build());
            assertThat(stream.status().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        }
        try (SdsClient.Stream stream = envoy.stream()) {
            stream.send(SdsClient.request(NODE, ENVOY_ID).build());
            assertThat(SdsClient.secrets(stream.next())).hasSize(1);
        }
    }

    @Test
    void fetchSecretsAnswersOnceAndDeltaIsUnimplemented() throws Exception {
        DiscoveryResponse fetched = envoy.blocking().fetchSecrets(SdsClient.request(NODE, "default").build());
        assertThat(SdsClient.secrets(fetched)).extracting(Secret::getName).containsExactly("default");
        assertThatThrownBy(() -> envoy.blocking().fetchSecrets(SdsClient.request(NODE, "spiffe://nowhere.org").build()))
                .isInstanceOf(StatusRuntimeException.class).hasMessageContaining("INVALID_ARGUMENT").hasMessageContaining("nowhere.org");
        var delta = io.envoyproxy.envoy.service.secret.v3.SecretDiscoveryServiceGrpc.newStub(envoy.channel());
        java.util.concurrent.CompletableFuture<Status> ended = new java.util.concurrent.CompletableFuture<>();
        var requests = delta.deltaSecrets(new io.grpc.stub.StreamObserver<>() {
            @Override
            public void onNext(io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse value) {
            }

            @Override
            public void onError(Throwable t) {
                ended.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                ended.complete(Status.OK);
            }
        });
        requests.onNext(io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest.newBuilder().setNode(NODE).build());
        assertThat(ended.get(10, java.util.concurrent.TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
    }

    @Test
    void workloadApiOutageKeepsStreamsAndLastSecretsThenResumes() throws Exception {
        try (SdsClient.Stream stream = envoy.stream()) {
            stream.send(SdsClient.request(NODE, ENVOY_ID).build());
            DiscoveryResponse first = stream.next();
            stream.ack(first, NODE, ENVOY_ID);
            int subscriptions = agent.workloadApi.subscriptions();
            agent.workloadApi.dropStreams();
            org.awaitility.Awaitility.await("re-subscription").atMost(java.time.Duration.ofSeconds(20))
                    .until(() -> agent.workloadApi.subscriptions() > subscriptions);
            assertThat(stream.ended()).as("the SDS stream survives the outage").isFalse();
            // a new stream during the outage is still served the last good secrets
            try (SdsClient.Stream late = envoy.stream()) {
                late.send(SdsClient.request(NODE, ENVOY_ID).build());
                assertThat(serial(late.next())).isEqualTo(serial(first));
            }
            agent.workloadApi.publish(Svids.response(ca, List.of(ENVOY_ID), partner));
            assertThat(serial(stream.next())).isNotEqualTo(serial(first));
        }
    }

    @Test
    void socketIsNotWorldAccessibleAndHealthTurnsServing() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(agent.sdsSocket))).isEqualTo("rw-rw----");
        HealthCheckResponse health = HealthGrpc.newBlockingStub(envoy.channel())
                .check(HealthCheckRequest.newBuilder().setService("envoy.service.secret.v3.SecretDiscoveryService").build());
        assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }

    private io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext validationContext(Node node) throws Exception {
        try (SdsClient.Stream stream = envoy.stream()) {
            stream.send(SdsClient.request(node, "spiffe://example.org").build());
            return SdsClient.secrets(stream.next()).get(0).getValidationContext();
        }
    }

    private static List<String> trustDomains(Secret secret) throws Exception {
        return secret.getValidationContext().getCustomValidatorConfig().getTypedConfig().unpack(SPIFFECertValidatorConfig.class)
                .getTrustDomainsList().stream().map(SPIFFECertValidatorConfig.TrustDomain::getName).toList();
    }

    private static String serial(DiscoveryResponse response) throws Exception {
        return pem(SdsClient.secrets(response).get(0).getTlsCertificate().getCertificateChain().getInlineBytes().toStringUtf8())
                .get(0).getSerialNumber().toString(16);
    }

    private static List<X509Certificate> pem(String pem) throws Exception {
        return CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem.getBytes())).stream()
                .map(X509Certificate.class::cast).toList();
    }
}
