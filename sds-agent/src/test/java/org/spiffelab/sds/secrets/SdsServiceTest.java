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
            assertThat(response.getVersionInfo()).isEqualTo("1");
            assertThat(response.getNonce()).matches("[0-9a-f]{8}");
            List<Secret> secrets = SdsClient.secrets(response);
            // SPIRE's order: bundles first, then certificates, whatever the request's order
            assertThat(secrets).extracting(Secret::getName).containsExactly("spiffe://example.org", ENVOY_ID);

            X509Certificate leaf = pem(secrets.get(1).getTlsCertificate().getCertificateChain().getInlineBytes().toStringUtf8()).get(0);
            assertThat(leaf.getSubjectAlternativeNames().iterator().next().get(1)).isEqualTo(ENVOY_ID);
            assertThat(secrets.get(1).getTlsCertificate().getPrivateKey().getInlineBytes().toStringUtf8()).startsWith("-----BEGIN PRIVATE KEY-----");

            var validator = secrets.get(0).getValidationContext().getCustomValidatorConfig();
            assertThat(validator.getName()).isEqualTo("envoy.tls.cert_validator.spiffe");
            var config = validator.getTypedConfig().unpack(SPIFFECertValidatorConfig.class);
            assertThat(config.getTrustDomainsList()).extracting(SPIFFECertValidatorConfig.TrustDomain::getName).containsExactly("example.org");
            assertThat(pem(config.getTrustDomains(0).getTrustBundle().getInlineBytes().toStringUtf8())).containsExactly(ca.certificate());
        }
    }

    @Test
    void orderIsOwnBundleFederatedBundlesThenCertificates() throws Exception {
        DiscoveryResponse response = envoy.blocking().fetchSecrets(SdsClient.request(NODE, SECOND_ID, ENVOY_ID,
                "spiffe://partner.org", "spiffe://example.org").build());
        assertThat(SdsClient.secrets(response)).extracting(Secret::getName)
                .containsExactly("spiffe://example.org", "spiffe://partner.org", ENVOY_ID, SECOND_ID);
    }

    @Test
    void aliasesServeTheDefaultSvidTheOwnBundleAndAllBundles() throws Exception {
        try (SdsClient.Stream stream = envoy.stream()) {
            stream.send(SdsClient.request(NODE, "default", "ROOTCA").build());
            List<Secret> secrets = SdsClient.secrets(stream.next());
            assertThat(secrets).extracting(Secret::getName).containsExactly("ROOTCA", "default");
            X509Certificate first = pem(secrets.get(1).getTlsCertificate().getCertificateChain().getInlineBytes().toStringUtf8()).get(0);
            assertThat(first.getSubjectAlternativeNames().iterator().next().get(1)).isEqualTo(ENVOY_ID);
            assertThat(trustDomains(secrets.get(0))).containsExactly("example.org");
        }
        List<Secret> all = SdsClient.secrets(envoy.blocking().fetchSecrets(SdsClient.request(NODE, "ALL").build()));
        assertThat(all).extracting(Secret::getName).containsExactly("ALL");
        assertThat(trustDomains(all.get(0))).containsExactly("example.org", "partner.org");
    }

    @Test
    void oneBundleResourceAtMostAndTheDefaultAliasOnlyWhenTheFirstIdIsNotNamed() {
        // SPIRE's switch serves the own bundle under one name only; the other name is left unserved
        assertRefused(List.of("spiffe://example.org", "ROOTCA"), Status.Code.INVALID_ARGUMENT,
                "workload is not authorized for the requested identities [\"ROOTCA\"]");
        assertRefused(List.of("ROOTCA", "ALL"), Status.Code.INVALID_ARGUMENT,
                "workload is not authorized for the requested identities [\"ALL\"]");
        assertRefused(List.of(ENVOY_ID, "default"), Status.Code.INVALID_ARGUMENT,
                "workload is not authorized for the requested identities [\"default\"]");
    }

    @Test
    void allWithoutTheSpiffeValidatorIsRefusedNotMerged() {
        Node old = version(1, 17);
        assertThatThrownBy(() -> envoy.blocking().fetchSecrets(SdsClient.request(old, "ALL").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
                    assertThat(e.getStatus().getDescription()).isEqualTo("unable to use \"SPIFFE validator\" on Envoy below 1.17");
                });
    }

    @Test
    void noNamesMeansEverySvidAndEveryBundle() throws Exception {
        try (SdsClient.Stream stream = envoy.stream()) {
            stream.send(SdsClient.request(NODE, "").build());
            assertThat(SdsClient.secrets(stream.next())).extracting(Secret::getName)
                    .containsExactly("spiffe://example.org", "spiffe://partner.org", ENVOY_ID, SECOND_ID);
        }
    }

    @Test
    void unknownNamesAreRefusedSortedAndGoQuoted() throws Exception {
        assertRefused(List.of("spiffe://example.org/b", ENVOY_ID, "a \"quoted\"\n name"), Status.Code.INVALID_ARGUMENT,
                "workload is not authorized for the requested identities [\"a \\\"quoted\\\"\\n name\" \"spiffe://example.org/b\"]");
        try (SdsClient.Stream stream = envoy.stream()) {
            stream.send(SdsClient.request(NODE, ENVOY_ID, "spiffe://example.org/ns/demo/sa/webapp").build());
            Status status = stream.status();
            assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(status.getDescription()).isEqualTo(
                    "workload is not authorized for the requested identities [\"spiffe://example.org/ns/demo/sa/webapp\"]");
        }
    }

    @Test
    void hostileNamesGetShortErrors() throws Exception {
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 101; i++) {
            many.add("spiffe://example.org/unknown/" + i);
        }
        assertRefused(many, Status.Code.INVALID_ARGUMENT, "too many resource names: 101 (at most 100)");
        assertRefused(List.of("x".repeat(64 * 1024)), Status.Code.INVALID_ARGUMENT, "resource name of 65536 characters (at most 2048)");
        List<String> long100 = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            long100.add("spiffe://example.org/" + "y".repeat(2000) + i);
        }
        try (SdsClient.Stream stream = envoy.stream()) {
            stream.send(SdsClient.request(NODE, long100.toArray(String[]::new)).build());
            Status status = stream.status();
            assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(status.getDescription()).hasSizeLessThan(1200).endsWith("… (100 names)");
        }
    }

    @Test
    void validationModeFollowsConfigNodeMetadataAndEnvoyVersion() throws Exception {
        Node optedOut = NODE.toBuilder().setMetadata(Struct.newBuilder()
                .putFields("disable_spiffe_cert_validation", Value.newBuilder().setBoolValue(true).build())).build();
        assertThat(validationContext(version(1, 17)).hasTrustedCa()).isTrue();
        assertThat(validationContext(version(1, 18)).hasCustomValidatorConfig()).isTrue();
        assertThat(validationContext(version(2, 0)).hasCustomValidatorConfig()).isTrue();
        assertThat(validationContext(NODE).hasCustomValidatorConfig()).as("no version: assumed recent").isTrue();
        assertThat(validationContext(optedOut).hasTrustedCa()).isTrue();
        assertThat(pem(validationContext(optedOut).getTrustedCa().getInlineBytes().toStringUtf8())).containsExactly(ca.certificate());
        // strings as Go's strconv.ParseBool reads them
        for (String off : List.of("1", "t", "T", "TRUE", "true", "True")) {
            assertThat(validationContext(metadata(Value.newBuilder().setStringValue(off).build())).hasTrustedCa()).as(off).isTrue();
        }
        for (String ignored : List.of("tRuE", "yes", "on", " true", "0", "f", "False")) {
            assertThat(validationContext(metadata(Value.newBuilder().setStringValue(ignored).build())).hasCustomValidatorConfig())
                    .as(ignored).isTrue();
        }
        assertThat(validationContext(metadata(Value.newBuilder().setNumberValue(1).build())).hasCustomValidatorConfig()).isTrue();
    }

    @Test
    void configuredTrustedCaModeCanBeOverriddenBackByTheNode() throws Exception {
        envoy.close();
        agent.close();
        agent = new RunningAgent(Files.createDirectories(dir.resolve("b")), true);
        agent.publishAndWait(Svids.response(ca, List.of(ENVOY_ID)));
        envoy = new SdsClient(agent.sdsSocket);
        assertThat(validationContext(NODE).hasTrustedCa()).isTrue();
        assertThat(validationContext(metadata(Value.newBuilder().setStringValue("false").build())).hasCustomValidatorConfig()).isTrue();
        assertThat(validationContext(metadata(Value.newBuilder().setStringValue("F").build())).hasCustomValidatorConfig()).isTrue();
        assertThat(validationContext(metadata(Value.newBuilder().setBoolValue(false).build())).hasCustomValidatorConfig()).isTrue();
        assertThat(validationContext(metadata(Value.newBuilder().setStringValue("nope").build())).hasTrustedCa()).isTrue();
    }

    @Test
    void ackGetsNoReplyAndRotationIsPushedWithTheNextVersion() throws Exception {
        try (SdsClient.Stream stream = envoy.stream()) {
            stream.send(SdsClient.request(NODE, ENVOY_ID).build());
            DiscoveryResponse first = stream.next();
            stream.ack(first, NODE, ENVOY_ID);
            // Had the ACK been answered, that answer (ENVOY_ID alone) would come before this one.
            stream.send(SdsClient.request(NODE, "spiffe://example.org").setVersionInfo(first.getVersionInfo())
                    .setResponseNonce(first.getNonce()).build());
            DiscoveryResponse second = stream.next();
            assertThat(SdsClient.secrets(second)).extracting(Secret::getName).containsExactly("spiffe://example.org");
            assertThat(second.getVersionInfo()).isEqualTo("1");
            stream.ack(second, NODE, "spiffe://example.org");

            stream.send(SdsClient.request(NODE, ENVOY_ID).setVersionInfo(second.getVersionInfo()).setResponseNonce(second.getNonce()).build());
            DiscoveryResponse third = stream.next();
            agent.workloadApi.publish(Svids.response(ca, List.of(ENVOY_ID, SECOND_ID), partner));
            DiscoveryResponse pushed = stream.next();
            assertThat(pushed.getVersionInfo()).isEqualTo("2");
            assertThat(pushed.getNonce()).matches("[0-9a-f]{8}").isNotEqualTo(third.getNonce());
            assertThat(serial(pushed)).isNotEqualTo(serial(third));
        }
        try (SdsClient.Stream late = envoy.stream()) {
            late.send(SdsClient.request(NODE, ENVOY_ID).build());
            assertThat(late.next().getVersionInfo()).as("versions count a stream's own updates").isEqualTo("1");
        }
    }

    @Test
    void repeatingANameCountsAsAChange() throws Exception {
        try (SdsClient.Stream stream = envoy.stream()) {
            stream.send(SdsClient.request(NODE, ENVOY_ID).build());
            DiscoveryResponse first = stream.next();
            stream.ack(first, NODE, ENVOY_ID, ENVOY_ID);
            DiscoveryResponse again = stream.next();
            assertThat(SdsClient.secrets(again)).extracting(Secret::getName).containsExactly(ENVOY_ID);
            assertThat(again.getNonce()).isNotEqualTo(first.getNonce());
        }
    }

    @Test
    void nackIsNotAnswered() throws Exception {
        try (SdsClient.Stream stream = envoy.stream()) {
            stream.send(SdsClient.request(NODE, ENVOY_ID).build());
            DiscoveryResponse first = stream.next();
            stream.send(SdsClient.request(NODE, ENVOY_ID).setVersionInfo("").setResponseNonce(first.getNonce())
                    .setErrorDetail(com.google.rpc.Status.newBuilder().setMessage("bad certificate")).build());
            stream.send(SdsClient.request(NODE, "spiffe://example.org").setResponseNonce(first.getNonce()).build());
            assertThat(SdsClient.secrets(stream.next())).as("the first answer after the NACK is the follow-up's")
                    .extracting(Secret::getName).containsExactly("spiffe://example.org");
        }
    }

    @Test
    void staleNonceIsIgnoredEntirelyAndChangedNamesAreAnsweredAtOnce() throws Exception {
        try (SdsClient.Stream stream = envoy.stream()) {
            stream.send(SdsClient.request(NODE, ENVOY_ID).build());
            DiscoveryResponse first = stream.next();
            // stale: its names and its node (asking for trusted_ca) are both ignored
            stream.send(SdsClient.request(version(1, 17), "spiffe://partner.org").setResponseNonce("00000000").build());
            stream.send(SdsClient.request(NODE, ENVOY_ID, "spiffe://example.org").setVersionInfo(first.getVersionInfo())
                    .setResponseNonce(first.getNonce()).build());
            List<Secret> secrets = SdsClient.secrets(stream.next());
            assertThat(secrets).extracting(Secret::getName).containsExactly("spiffe://example.org", ENVOY_ID);
            assertThat(secrets.get(0).getValidationContext().hasCustomValidatorConfig()).isTrue();
        }
    }

    @Test
    void aRequestWithoutANodeKeepsTheLastAnsweredNode() throws Exception {
        try (SdsClient.Stream stream = envoy.stream()) {
            stream.send(SdsClient.request(version(1, 17), ENVOY_ID).build());
            DiscoveryResponse first = stream.next();
            stream.send(SdsClient.request(NODE, "spiffe://example.org").clearNode().setVersionInfo(first.getVersionInfo())
                    .setResponseNonce(first.getNonce()).build());
            DiscoveryResponse second = stream.next();
            assertThat(SdsClient.secrets(second).get(0).getValidationContext().hasTrustedCa()).isTrue();
            // a push for the last request uses that same node
            agent.workloadApi.publish(Svids.response(ca, List.of(ENVOY_ID, SECOND_ID), partner));
            assertThat(SdsClient.secrets(stream.next()).get(0).getValidationContext().hasTrustedCa()).isTrue();
        }
        try (SdsClient.Stream stream = envoy.stream()) {
            // no node before any response: nothing to keep, the defaults apply (SPIFFE validator)
            stream.send(SdsClient.request(NODE, "spiffe://example.org").clearNode().build());
            assertThat(SdsClient.secrets(stream.next()).get(0).getValidationContext().hasCustomValidatorConfig()).isTrue();
        }
    }

    @Test
    void typeUrlIsEchoedAsSpireEchoesIt() throws Exception {
        for (String typeUrl : List.of("", "type.googleapis.com/not.a.Secret")) {
            try (SdsClient.Stream stream = envoy.stream()) {
                stream.send(SdsClient.request(NODE, ENVOY_ID).setTypeUrl(typeUrl).build());
                assertThat(stream.next().getTypeUrl()).isEqualTo(typeUrl);
            }
            assertThat(envoy.blocking().fetchSecrets(SdsClient.request(NODE, ENVOY_ID).setTypeUrl(typeUrl).build()).getTypeUrl())
                    .isEqualTo(typeUrl);
        }
    }

    @Test
    void hugeRequestsAreRefusedAndTheServerKeepsServing() throws Exception {
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
    void fetchSecretsAnswersOnceWithoutVersionOrNonceAndDeltaIsUnimplemented() throws Exception {
        DiscoveryResponse fetched = envoy.blocking().fetchSecrets(SdsClient.request(NODE, "default").build());
        assertThat(SdsClient.secrets(fetched)).extracting(Secret::getName).containsExactly("default");
        assertThat(fetched.getVersionInfo()).isEmpty();
        assertThat(fetched.getNonce()).isEmpty();
        assertThat(fetched.getTypeUrl()).isEqualTo(SdsClient.TYPE_URL);
        assertRefused(List.of("spiffe://nowhere.org"), Status.Code.INVALID_ARGUMENT,
                "workload is not authorized for the requested identities [\"spiffe://nowhere.org\"]");
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
        Status status = ended.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
        assertThat(status.getDescription()).isEqualTo("Method is not implemented");
    }

    @Test
    void workloadApiOutageKeepsStreamsAndLastSecretsThenResumes() throws Exception {
        try (SdsClient.Stream stream = envoy.stream()) {
            stream.send(SdsClient.request(NODE, ENVOY_ID).build());
            DiscoveryResponse first = stream.next();
            stream.ack(first, NODE, ENVOY_ID);
            int subscriptions = agent.workloadApi.subscriptions();
            agent.workloadApi.dropStreams();
            org.awaitility.Awaitility.await("java-spiffe's own re-subscription").atMost(java.time.Duration.ofSeconds(20))
                    .until(() -> agent.workloadApi.subscriptions() > subscriptions);
            assertThat(stream.ended()).as("the SDS stream survives the outage").isFalse();
            // the Workload API re-sends its state on reconnecting: passed on as SPIRE passes on every cache update
            DiscoveryResponse resent = stream.next();
            assertThat(serial(resent)).isEqualTo(serial(first));
            assertThat(resent.getVersionInfo()).isEqualTo("2");
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

    private void assertRefused(List<String> names, Status.Code code, String message) {
        assertThatThrownBy(() -> envoy.blocking().fetchSecrets(SdsClient.request(NODE, names.toArray(String[]::new)).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(code);
                    assertThat(e.getStatus().getDescription()).isEqualTo(message);
                });
    }

    private static Node version(int major, int minor) {
        return NODE.toBuilder().setUserAgentBuildVersion(BuildVersion.newBuilder()
                .setVersion(SemanticVersion.newBuilder().setMajorNumber(major).setMinorNumber(minor))).build();
    }

    private static Node metadata(Value value) {
        return NODE.toBuilder().setMetadata(Struct.newBuilder().putFields("disable_spiffe_cert_validation", value)).build();
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
