package org.spiffelab.scenario.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.BuildVersion;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.type.v3.SemanticVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestMethodOrder;
import org.spiffelab.harness.LabContainer;
import org.spiffelab.harness.LabImages;
import org.spiffelab.harness.LabProperties;
import org.spiffelab.harness.ModuleImage;
import org.spiffelab.harness.SdsAgentContainer;
import org.spiffelab.harness.SpireAgentContainer;
import org.spiffelab.harness.SpireServerContainer;
import org.spiffelab.harness.pki.TestCa;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * Differential conformance: the same SDS requests to the real SPIRE agent's SDS and to sds-agent fed by that same agent
 * for the same registration entries, compared field by field ({@link Answer}). Both are asked by one client attested as
 * customer-service (a relay container labelled like customer-service: SPIRE attests the caller). Two pairs: the lab's
 * agent.conf (pair A) and an agent whose {@code sds} block changes every SDS setting SPIRE has (pair B, sds-agent given
 * the same settings). The workload has two SVIDs and federates with a second trust domain whose bundle holds two CAs.
 * <p>Covered: SPIRE's SDS handler test matrix (names × Envoy versions × node metadata × settings, aliases, federated
 * bundles, unknown names) for FetchSecrets and a stream's first answer, its streaming rules (ACK, NACK, stale nonce,
 * name changes, node carry-over) and pushes on SVID rotation and bundle change. The deliberate differences (README) are
 * pinned at the end.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SdsConformanceIT {

    private static final String PARTNER = "spiffe://partner.org";
    private static final String TYPE_URL = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";
    private static final Duration READY = Duration.ofSeconds(120);

    private static LabProperties lab;
    private static Network network;
    private static final List<LabContainer<?>> containers = new ArrayList<>();
    private static final List<String> volumes = new ArrayList<>();
    private static GenericContainer<?> relay;
    private static SpireServerContainer server;
    private static SdsProbe spireA;
    private static SdsProbe sdsAgentA;
    private static SdsProbe spireB;
    private static SdsProbe sdsAgentB;
    private static String own;
    private static String td;
    private static String admin;
    private static String csEntry;
    private static String nodeId;
    private static final List<TestCa> partnerCas = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        lab = LabProperties.load();
        LabImages images = LabImages.fromEnvironment(lab);
        own = lab.get("CUSTOMER_SERVICE_ID");
        td = lab.get("TRUST_DOMAIN_ID");
        admin = own + "-admin";
        nodeId = lab.get("DOCKER_NODE_ID");
        String prefix = "sds-conformance-" + UUID.randomUUID().toString().substring(0, 8);
        network = Network.newNetwork();
        try {
            volumes.add(prefix + "-server-data");
            server = track(new SpireServerContainer(lab, images, prefix + "-server-data").withNetwork(network).withNetworkAliases("spire-server"));
            server.start();
            await("SPIRE server").atMost(READY).ignoreExceptions().until(server::healthy);

            // a federated trust domain whose bundle has two CAs (oldest first, as SPIRE keeps a rotating CA's)
            partnerCas.add(new TestCa("partner.org"));
            awaitNextSecond();
            partnerCas.add(new TestCa("partner.org"));
            setPartnerBundle();
            String selector = "docker:label:" + lab.get("WORKLOAD_LABEL") + ":customer-service";
            csEntry = entryId(server.execOrFail("/opt/spire/bin/spire-server", "entry", "create", "-parentID", nodeId,
                    "-spiffeID", own, "-selector", selector, "-federatesWith", PARTNER));
            server.execOrFail("/opt/spire/bin/spire-server", "entry", "create", "-parentID", nodeId, "-spiffeID", admin, "-selector", selector);

            String spireA = prefix + "-spire-a";
            String spireB = prefix + "-spire-b";
            String sdsA = prefix + "-sds-a";
            String sdsB = prefix + "-sds-b";
            volumes.addAll(List.of(spireA, spireA + "-data", spireB, sdsA, sdsB));
            SpireAgentContainer agentA = track(new SpireAgentContainer(lab, images, spireA, spireA + "-data", server.generateJoinToken(nodeId),
                    server.bundlePem()).withNetwork(network));
            VariantSpireAgent agentB = track(new VariantSpireAgent(lab, images.spireAgent(), spireB, server.generateJoinToken(nodeId),
                    server.bundlePem(), """
                    sds {
                            default_svid_name = "own-svid"
                            default_bundle_name = "ALL"
                            default_all_bundles_name = "ALL"
                            disable_spiffe_cert_validation = true
                        }""").withNetwork(network));
            agentA.start();
            agentB.start();
            await("SPIRE agent A").atMost(READY).ignoreExceptions().until(agentA::healthy);
            await("SPIRE agent B").atMost(READY).ignoreExceptions().until(agentB::healthy);

            String image = ModuleImage.sdsAgent(lab, images);
            SdsAgentContainer sdsAgentA = track(new SdsAgentContainer(lab, image, "sds-agent-a", "customer-service", spireA, sdsA, List.of()));
            SdsAgentContainer sdsAgentB = track(new SdsAgentContainer(lab, image, "sds-agent-b", "customer-service", spireB, sdsB,
                    List.of("--default-svid-name=own-svid", "--default-bundle-name=ALL", "--default-all-bundles-name=ALL",
                            "--disable-spiffe-cert-validation=true")));
            sdsAgentA.start();
            sdsAgentB.start();
            await("sds-agent A").atMost(READY).ignoreExceptions().until(sdsAgentA::healthy);
            await("sds-agent B").atMost(READY).ignoreExceptions().until(sdsAgentB::healthy);

            String socket = Path.of(lab.get("SPIRE_AGENT_SOCKET")).getFileName().toString();
            String sdsSocket = Path.of(lab.get("SDS_AGENT_SOCKET")).getFileName().toString();
            relay = new GenericContainer<>(DockerImageName.parse(image))
                    .withLabel(lab.get("WORKLOAD_LABEL"), "customer-service")
                    .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withBinds(
                            com.github.dockerjava.api.model.Bind.parse(spireA + ":/run/spire-a:ro"),
                            com.github.dockerjava.api.model.Bind.parse(sdsA + ":/run/sds-a:ro"),
                            com.github.dockerjava.api.model.Bind.parse(spireB + ":/run/spire-b:ro"),
                            com.github.dockerjava.api.model.Bind.parse(sdsB + ":/run/sds-b:ro")))
                    .withCopyFileToContainer(MountableFile.forHostPath(Path.of(UnixRelay.class.getProtectionDomain().getCodeSource()
                            .getLocation().toURI()).resolve(UnixRelay.class.getPackageName().replace('.', '/'))), "/relay/"
                            + UnixRelay.class.getPackageName().replace('.', '/'))
                    .withCreateContainerCmdModifier(cmd -> cmd.withEntrypoint("java"))
                    .withCommand("-Xmx64m", "-cp", "/relay", UnixRelay.class.getName(),
                            "7001=/run/spire-a/" + socket, "7002=/run/sds-a/" + sdsSocket,
                            "7003=/run/spire-b/" + socket, "7004=/run/sds-b/" + sdsSocket)
                    .withExposedPorts(7001, 7002, 7003, 7004)
                    .waitingFor(Wait.forLogMessage(".*relay ready.*", 1));
            relay.start();
            SdsConformanceIT.spireA = new SdsProbe("SPIRE agent (lab config)", relay.getHost(), relay.getMappedPort(7001));
            SdsConformanceIT.sdsAgentA = new SdsProbe("sds-agent (lab config)", relay.getHost(), relay.getMappedPort(7002));
            SdsConformanceIT.spireB = new SdsProbe("SPIRE agent (variant sds block)", relay.getHost(), relay.getMappedPort(7003));
            SdsConformanceIT.sdsAgentB = new SdsProbe("sds-agent (same settings)", relay.getHost(), relay.getMappedPort(7004));
            // both sides hold the same state before any comparison: the same SVIDs and both bundles
            await("both servers hold both SVIDs and the federated bundle").atMost(READY).pollInterval(Duration.ofSeconds(2))
                    .untilAsserted(() -> {
                        for (SdsProbe[] pair : new SdsProbe[][] {{SdsConformanceIT.spireA, SdsConformanceIT.sdsAgentA},
                            {SdsConformanceIT.spireB, SdsConformanceIT.sdsAgentB}}) {
                            Answer spire = pair[0].fetch(request(null, own, admin, PARTNER));
                            assertThat(spire.status()).as(pair[0].name()).isEqualTo("OK");
                            assertThat(pair[1].fetch(request(null, own, admin, PARTNER))).as(pair[1].name()).isEqualTo(spire);
                        }
                    });
        } catch (RuntimeException | Error e) {
            stop();
            throw e;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // SPIRE's handler test matrix: names × nodes, FetchSecrets and a stream's first answer

    @TestFactory
    @Order(1)
    Stream<DynamicTest> labSettingsMatrix() {
        return matrix(spireA, sdsAgentA);
    }

    @TestFactory
    @Order(2)
    Stream<DynamicTest> variantSettingsMatrix() {
        return matrix(spireB, sdsAgentB);
    }

    private Stream<DynamicTest> matrix(SdsProbe spire, SdsProbe ours) {
        Map<String, List<String>> names = new LinkedHashMap<>();
        names.put("no names (everything)", List.of());
        names.put("an empty name only", List.of(""));
        names.put("own trust domain", List.of(td));
        names.put("federated trust domain", List.of(PARTNER));
        names.put("unknown trust domain", List.of("spiffe://elsewhere.org"));
        names.put("first SVID", List.of(own));
        names.put("second SVID", List.of(admin));
        names.put("ROOTCA", List.of("ROOTCA"));
        names.put("ALL", List.of("ALL"));
        names.put("default", List.of("default"));
        names.put("own-svid (variant alias)", List.of("own-svid"));
        names.put("SVID and trust domain (order)", List.of(own, td));
        names.put("everything by name, reversed", List.of(admin, own, PARTNER, td));
        names.put("trust domain and ROOTCA (one bundle resource)", List.of(td, "ROOTCA"));
        names.put("ROOTCA and ALL", List.of("ROOTCA", "ALL"));
        names.put("first SVID and default", List.of(own, "default"));
        names.put("second SVID and default", List.of(admin, "default"));
        names.put("duplicates and empty", List.of("default", "default", "", td, td));
        names.put("unknown names (sorted, quoted)", List.of("spiffe://example.org/zz", "b", "a \"quoted\"\tname", "ünïcode\u00a0x"));
        names.put("ALL and an unknown name", List.of("ALL", "bogus"));
        Map<String, Node> nodes = new LinkedHashMap<>();
        nodes.put("no node", null);
        nodes.put("empty node", Node.getDefaultInstance());
        nodes.put("Envoy 1.17", version(1, 17));
        nodes.put("Envoy 1.18", version(1, 18));
        nodes.put("Envoy 2.0", version(2, 0));
        nodes.put("Envoy 0.9", version(0, 9));
        nodes.put("metadata true", metadata(Value.newBuilder().setBoolValue(true).build()));
        nodes.put("metadata false", metadata(Value.newBuilder().setBoolValue(false).build()));
        for (String text : List.of("true", "1", "t", "T", "TRUE", "True", "false", "0", "f", "F", "FALSE", "False", "tRuE", "yes", "")) {
            nodes.put("metadata \"" + text + "\"", metadata(Value.newBuilder().setStringValue(text).build()));
        }
        nodes.put("metadata number 5", metadata(Value.newBuilder().setNumberValue(5).build()));
        nodes.put("metadata \"false\" on Envoy 1.17", version(1, 17).toBuilder().mergeFrom(metadata(Value.newBuilder()
                .setStringValue("false").build())).build());
        List<DynamicTest> tests = new ArrayList<>();
        names.forEach((what, list) -> nodes.forEach((nodeName, node) -> {
            DiscoveryRequest request = request(node, list.toArray(String[]::new));
            tests.add(DynamicTest.dynamicTest("FetchSecrets " + what + ", " + nodeName,
                    () -> assertSame(spire, ours, probe -> probe.fetch(request))));
            tests.add(DynamicTest.dynamicTest("StreamSecrets " + what + ", " + nodeName, () -> assertSame(spire, ours, probe -> {
                try (SdsProbe.Session session = probe.session()) {
                    session.send(request);
                    session.next();
                    return session.recorded().get(0);
                }
            })));
        }));
        for (String typeUrl : List.of("", "type.googleapis.com/not.a.Secret", "x")) {
            DiscoveryRequest request = request(version(1, 40), own).toBuilder().setTypeUrl(typeUrl).build();
            tests.add(DynamicTest.dynamicTest("FetchSecrets type_url '" + typeUrl + "'", () -> assertSame(spire, ours, p -> p.fetch(request))));
            tests.add(DynamicTest.dynamicTest("StreamSecrets type_url '" + typeUrl + "'", () -> assertSame(spire, ours, probe -> {
                try (SdsProbe.Session session = probe.session()) {
                    session.send(request);
                    session.next();
                    return session.recorded().get(0);
                }
            })));
        }
        return tests.stream();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Streaming rules: the same script on both; "no reply" shows as the follow-up's answer coming first

    @TestFactory
    @Order(3)
    Stream<DynamicTest> streamingRules() {
        Node envoy = version(1, 40);
        Map<String, Script> scripts = new LinkedHashMap<>();
        scripts.put("an ACK gets no reply; changed names are answered at once", s -> {
            DiscoveryResponse first = s.next(request(envoy, own));
            s.send(ack(first, envoy, own));
            s.next(ack(first, envoy, td));
        });
        scripts.put("a NACK gets no reply and no resend", s -> {
            DiscoveryResponse first = s.next(request(envoy, own));
            s.send(ack(first, envoy, own).toBuilder().setVersionInfo("")
                    .setErrorDetail(com.google.rpc.Status.newBuilder().setMessage("bad certificate")).build());
            s.next(ack(first, envoy, PARTNER));
        });
        scripts.put("a NACK that changes names is answered", s -> {
            DiscoveryResponse first = s.next(request(envoy, own));
            s.next(ack(first, envoy, admin).toBuilder().setVersionInfo("OHNO")
                    .setErrorDetail(com.google.rpc.Status.newBuilder().setMessage("OHNO!")).build());
        });
        scripts.put("a stale nonce is ignored entirely (names and node)", s -> {
            DiscoveryResponse first = s.next(request(envoy, own));
            s.send(request(version(1, 17), td, PARTNER).toBuilder().setResponseNonce("00000000").build());
            s.next(ack(first, envoy, own, td));
        });
        scripts.put("a nonce before any response is not checked", s -> s.next(request(envoy, own).toBuilder()
                .setResponseNonce("whatever").setVersionInfo("42").build()));
        scripts.put("repeating a name counts as a change", s -> {
            DiscoveryResponse first = s.next(request(envoy, own));
            s.next(ack(first, envoy, own, own));
        });
        scripts.put("same names in another order are no change", s -> {
            DiscoveryResponse first = s.next(request(envoy, own, td));
            s.send(ack(first, envoy, td, own));
            s.next(ack(first, envoy, admin));
        });
        scripts.put("a request without a node keeps the last answered node", s -> {
            DiscoveryResponse first = s.next(request(version(1, 17), own));
            s.next(ack(first, null, td));
        });
        scripts.put("a request without a node before any answer uses the defaults", s -> s.next(request(null, td)));
        scripts.put("a node change applies to the next answer", s -> {
            DiscoveryResponse first = s.next(request(envoy, td));
            s.next(ack(first, version(1, 17), td, PARTNER));
        });
        scripts.put("unknown names end the stream after an answer", s -> {
            DiscoveryResponse first = s.next(request(envoy, own));
            s.next(ack(first, envoy, own, "spiffe://example.org/nobody"));
        });
        scripts.put("a version that is not the last one sent is only logged", s -> {
            DiscoveryResponse first = s.next(request(envoy, own));
            s.next(ack(first, envoy, td).toBuilder().setVersionInfo("999").build());
        });
        List<DynamicTest> tests = new ArrayList<>();
        scripts.forEach((name, script) -> tests.add(DynamicTest.dynamicTest(name, () -> assertSame(spireA, sdsAgentA, probe -> {
            try (SdsProbe.Session session = probe.session()) {
                script.run(new Scripted(session));
                return session.recorded();
            }
        }))));
        return tests.stream();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Pushes: an SVID rotation and a federated bundle change reach open streams with the same content and versions

    @Test
    @Order(4)
    void rotationsAndBundleChangesArePushedAlike() throws Exception {
        Node envoy = version(1, 40);
        List<SdsProbe.Session> sessions = new ArrayList<>();
        try {
            for (SdsProbe probe : List.of(spireA, sdsAgentA)) {
                SdsProbe.Session everything = probe.session();
                SdsProbe.Session named = probe.session();
                sessions.add(everything);
                sessions.add(named);
                everything.send(request(envoy));
                ack(everything, everything.next(), envoy);
                named.send(request(envoy, own, "ALL"));
                ack(named, named.next(), envoy, own, "ALL");
            }
            // the SVID rotates when its entry changes
            server.execOrFail("/opt/spire/bin/spire-server", "entry", "update", "-entryID", csEntry, "-parentID", nodeId,
                    "-spiffeID", own, "-selector", "docker:label:" + lab.get("WORKLOAD_LABEL") + ":customer-service",
                    "-federatesWith", PARTNER, "-x509SVIDTTL", "3500");
            for (SdsProbe.Session session : sessions) {
                ack(session, session.next(), envoy, session == sessions.get(0) || session == sessions.get(2) ? new String[0]
                        : new String[] {own, "ALL"});
            }
            // the federated trust domain adds a CA
            awaitNextSecond();
            partnerCas.add(new TestCa("partner.org"));
            setPartnerBundle();
            for (SdsProbe.Session session : sessions) {
                session.next();
            }
            assertThat(sessions.get(2).recorded()).as("sds-agent, no names: initial, rotation, bundle change")
                    .isEqualTo(sessions.get(0).recorded());
            assertThat(sessions.get(3).recorded()).as("sds-agent, named: initial, rotation, bundle change")
                    .isEqualTo(sessions.get(1).recorded());
            assertThat(sessions.get(0).recorded()).extracting(Answer::version).containsExactly("1", "2", "3");
            assertThat(sessions.get(0).recorded().get(1).leafChains()).isNotEqualTo(sessions.get(0).recorded().get(0).leafChains());
        } finally {
            sessions.forEach(SdsProbe.Session::close);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Deliberate differences (README, "sds-agent and SPIRE's SDS"): where SPIRE has no bound, sds-agent has one

    @Test
    @Order(5)
    void deliberateDifferencesAreExactlyTheDocumentedOnes() {
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 101; i++) {
            many.add(own);
        }
        DiscoveryRequest tooMany = request(version(1, 40), many.toArray(String[]::new));
        assertThat(spireA.fetch(tooMany).status()).isEqualTo("OK");
        assertThat(sdsAgentA.fetch(tooMany).status()).isEqualTo("INVALID_ARGUMENT: too many resource names: 101 (at most 100)");

        DiscoveryRequest longName = request(version(1, 40), "spiffe://example.org/" + "x".repeat(3000));
        assertThat(spireA.fetch(longName).status()).startsWith("INVALID_ARGUMENT: workload is not authorized").hasSizeGreaterThan(3000);
        assertThat(sdsAgentA.fetch(longName).status()).isEqualTo("INVALID_ARGUMENT: resource name of 3021 characters (at most 2048)");

        List<String> unknown = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            unknown.add("spiffe://example.org/unknown/" + i);
        }
        DiscoveryRequest manyUnknown = request(version(1, 40), unknown.toArray(String[]::new));
        String spire = spireA.fetch(manyUnknown).status();
        String ours = sdsAgentA.fetch(manyUnknown).status();
        assertThat(ours).hasSizeLessThan(1200).endsWith("… (60 names)");
        assertThat(spire).startsWith(ours.substring(0, ours.indexOf("… ("))).hasSizeGreaterThan(1200);

        DiscoveryRequest huge = request(version(1, 40).toBuilder().setMetadata(Struct.newBuilder()
                .putFields("blob", Value.newBuilder().setStringValue("x".repeat(300 * 1024)).build())).build(), own);
        assertThat(spireA.fetch(huge).status()).isEqualTo("OK");
        assertThat(sdsAgentA.fetch(huge).status()).startsWith("RESOURCE_EXHAUSTED");
    }

    // ---------------------------------------------------------------------------------------------------------------

    @FunctionalInterface
    interface Script {
        void run(Scripted session) throws Exception;
    }

    /** A session driven by a script: {@code next(request)} sends and reads the answer that request must get first. */
    record Scripted(SdsProbe.Session session) {
        void send(DiscoveryRequest request) {
            session.send(request);
        }

        DiscoveryResponse next(DiscoveryRequest request) throws InterruptedException {
            session.send(request);
            return session.next();
        }
    }

    @FunctionalInterface
    interface Ask<T> {
        T apply(SdsProbe probe) throws Exception;
    }

    /** The same question to SPIRE and to sds-agent must get the same answer; asked again if an SVID rotated meanwhile. */
    private static <T> void assertSame(SdsProbe spire, SdsProbe ours, Ask<T> ask) throws Exception {
        T expected = null;
        T actual = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            expected = ask.apply(spire);
            actual = ask.apply(ours);
            if (expected.equals(actual) || !differentCertificates(expected, actual)) {
                break;
            }
        }
        assertThat(actual).as(ours.name() + " vs " + spire.name()).isEqualTo(expected);
    }

    private static boolean differentCertificates(Object a, Object b) {
        return !chains(a).equals(chains(b));
    }

    private static String chains(Object answer) {
        if (answer instanceof Answer one) {
            return one.leafChains();
        }
        return ((List<?>) answer).stream().map(SdsConformanceIT::chains).toList().toString();
    }

    private static void ack(SdsProbe.Session session, DiscoveryResponse response, Node node, String... names) {
        session.send(ack(response, node, names));
    }

    private static DiscoveryRequest ack(DiscoveryResponse response, Node node, String... names) {
        return request(node, names).toBuilder().setVersionInfo(response.getVersionInfo()).setResponseNonce(response.getNonce()).build();
    }

    static DiscoveryRequest request(Node node, String... names) {
        DiscoveryRequest.Builder request = DiscoveryRequest.newBuilder().setTypeUrl(TYPE_URL).addAllResourceNames(List.of(names));
        if (node != null) {
            request.setNode(node);
        }
        return request.build();
    }

    private static Node version(int major, int minor) {
        return Node.newBuilder().setId("customer-service").setCluster("customer-service").setUserAgentName("envoy")
                .setUserAgentBuildVersion(BuildVersion.newBuilder().setVersion(SemanticVersion.newBuilder()
                        .setMajorNumber(major).setMinorNumber(minor))).build();
    }

    private static Node metadata(Value value) {
        return version(1, 40).toBuilder().setMetadata(Struct.newBuilder().putFields("disable_spiffe_cert_validation", value)).build();
    }

    private static void setPartnerBundle() throws Exception {
        StringBuilder pem = new StringBuilder();
        for (TestCa ca : partnerCas) {
            pem.append("-----BEGIN CERTIFICATE-----\n")
                    .append(Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(ca.certificate().getEncoded()))
                    .append("\n-----END CERTIFICATE-----\n");
        }
        server.copyFileToContainer(Transferable.of(pem.toString()), "/tmp/partner.pem");
        server.execOrFail("/opt/spire/bin/spire-server", "bundle", "set", "-format", "pem", "-id", PARTNER, "-path", "/tmp/partner.pem");
    }

    /** Certificates carry whole seconds: the next CA must start in a later second to sort after the previous one. */
    private static void awaitNextSecond() {
        long now = Instant.now().getEpochSecond();
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50)).until(() -> Instant.now().getEpochSecond() > now);
    }

    private static String entryId(String createOutput) {
        for (String line : createOutput.split("\n")) {
            if (line.startsWith("Entry ID")) {
                return line.substring(line.indexOf(':') + 1).strip();
            }
        }
        throw new IllegalStateException("no Entry ID in: " + createOutput);
    }

    private static <C extends LabContainer<?>> C track(C container) {
        containers.add(container);
        return container;
    }

    @AfterAll
    static void stop() throws Exception {
        Path reports = Path.of(System.getProperty("lab.reports", "target/scenario-reports")).resolve("SdsConformanceIT");
        Files.createDirectories(reports);
        for (SdsProbe probe : new SdsProbe[] {spireA, sdsAgentA, spireB, sdsAgentB}) {
            if (probe != null) {
                probe.close();
            }
        }
        if (relay != null) {
            Files.writeString(reports.resolve("relay.log"), relay.getLogs());
            System.out.println("relay log:\n" + relay.getLogs());
            relay.stop();
        }
        for (int i = containers.size() - 1; i >= 0; i--) {
            LabContainer<?> container = containers.get(i);
            if (container.getContainerId() != null) {
                Files.writeString(reports.resolve(container.role() + ".log"), container.getLogs());
            }
            container.stop();
        }
        containers.clear();
        if (network != null) {
            network.close();
        }
        var docker = DockerClientFactory.instance().client();
        for (String volume : volumes) {
            try {
                docker.removeVolumeCmd(volume).exec();
            } catch (RuntimeException e) {
                System.out.println("could not remove volume " + volume + ": " + e.getMessage());
            }
        }
        volumes.clear();
    }
}
