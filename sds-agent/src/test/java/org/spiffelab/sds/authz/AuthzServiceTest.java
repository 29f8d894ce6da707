package org.spiffelab.sds.authz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.rpc.Code;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spiffelab.sds.server.SdsServer;
import org.spiffelab.sds.server.UnixChannels;
import org.spiffelab.sds.testing.FakeWorkloadApi;
import org.spiffelab.sds.workload.WorkloadApi;

/** ext_authz over gRPC on the agent's socket, with java-spiffe talking to an in-JVM Workload API that issues JWT-SVIDs. */
class AuthzServiceTest {

    @TempDir
    Path dir;
    final Tokens tokens = new Tokens();
    FakeWorkloadApi workloadApi;
    JwtBundleSource bundles;
    SdsServer server;
    final VerificationPool verifications = new VerificationPool(1);
    EventLoopGroup group;
    io.grpc.ManagedChannel channel;

    @BeforeEach
    void start() throws Exception {
        workloadApi = new FakeWorkloadApi(dir.resolve("workload.sock"));
        workloadApi.jwtBundles(Map.of("example.org", new JWKSet(new ECKey.Builder(com.nimbusds.jose.jwk.Curve.P_256,
                (java.security.interfaces.ECPublicKey) tokens.ec.getPublic()).keyID("ec-1").build()).toString()));
        workloadApi.issueJwtSvids(audience -> tokens.es256("ec-1", new com.nimbusds.jwt.JWTClaimsSet.Builder().subject(Tokens.WEBAPP)
                .audience(audience).expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(5)))).build()));
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        bundles = new JwtBundleSource(workloadApi.address(), Duration.ofSeconds(10), held::countDown);
        bundles.start();
        assertThat(held.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        AuthzService validating = AuthzService.validating(new JwtSvidValidator(bundles, Tokens.AUDIENCE, Set.of(Tokens.WEBAPP),
                Clock.systemUTC()), verifications);
        server = new SdsServer(dir.resolve("validate.sock"), PosixFilePermissions.fromString("rw-------"), null, List.of(validating));
        group = UnixChannels.eventLoops(1);
        channel = UnixChannels.open(dir.resolve("validate.sock"), group);
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
        server.close();
        bundles.close();
        workloadApi.close();
        verifications.close();
    }

    @Test
    void validTokenIsAllowedAndTheValidatedIdReplacesAForgedHeader() {
        String token = tokens.es256("ec-1", new com.nimbusds.jwt.JWTClaimsSet.Builder().subject(Tokens.WEBAPP).audience(Tokens.AUDIENCE)
                .expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(5)))).build());
        CheckResponse response = check(Map.of("authorization", "Bearer " + token, "x-spiffe-id", "spiffe://example.org/admin"));
        assertThat(response.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
        HeaderValueOption id = response.getOkResponse().getHeaders(0);
        assertThat(id.getHeader().getKey()).isEqualTo(AuthzService.SPIFFE_ID_HEADER);
        assertThat(id.getHeader().getValue()).isEqualTo(Tokens.WEBAPP);
        assertThat(id.getAppendAction()).isEqualTo(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD);
        assertThat(response.getOkResponse().getHeadersToRemoveList()).containsExactly("authorization");
    }

    @Test
    void deniedRequestsGetAnHttpAnswerWithTheReasonNeverAGrpcError() {
        CheckResponse missing = check(Map.of());
        assertThat(missing.getStatus().getCode()).isEqualTo(Code.UNAUTHENTICATED_VALUE);
        assertThat(missing.getDeniedResponse().getStatus().getCodeValue()).isEqualTo(401);
        assertThat(missing.getDeniedResponse().getBody()).isEqualTo("missing Authorization header\n");

        String notAllowed = tokens.es256("ec-1", new com.nimbusds.jwt.JWTClaimsSet.Builder().subject(Tokens.WEBAPP_2)
                .audience(Tokens.AUDIENCE).expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(5)))).build());
        CheckResponse forbidden = check(Map.of("authorization", "Bearer " + notAllowed));
        assertThat(forbidden.getStatus().getCode()).isEqualTo(Code.PERMISSION_DENIED_VALUE);
        assertThat(forbidden.getDeniedResponse().getStatus().getCodeValue()).isEqualTo(403);
        assertThat(forbidden.getDeniedResponse().getBody()).contains("webapp-2 is not allowed");
    }

    @Test
    void aCallerWithAVerifiedTokenIsAnsweredWhileForgedTokensWaitForTheBusyVerifier() throws Exception {
        String token = tokens.es256("ec-1", new com.nimbusds.jwt.JWTClaimsSet.Builder().subject(Tokens.WEBAPP).audience(Tokens.AUDIENCE)
                .expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(5)))).build());
        assertThat(check(Map.of("authorization", "Bearer " + token)).getStatus().getCode()).isEqualTo(Code.OK_VALUE);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        verifications.execute(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        List<io.grpc.stub.StreamObserver<CheckResponse>> pending = new java.util.ArrayList<>();
        java.util.concurrent.CountDownLatch forgedAnswered = new java.util.concurrent.CountDownLatch(20);
        for (int i = 0; i < 20; i++) {
            String forged = tokens.sign(new com.nimbusds.jose.JWSHeader.Builder(com.nimbusds.jose.JWSAlgorithm.ES256).keyID("ec-1").build(),
                    new com.nimbusds.jwt.JWTClaimsSet.Builder().subject(Tokens.WEBAPP).audience(Tokens.AUDIENCE).jwtID("f" + i)
                            .expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(5)))).build(), tokens.otherEc);
            AuthorizationGrpc.newStub(channel).check(request(Map.of("authorization", "Bearer " + forged)), new io.grpc.stub.StreamObserver<>() {
                @Override
                public void onNext(CheckResponse response) {
                    assertThat(response.getDeniedResponse().getBody()).isEqualTo("bad signature\n");
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                    forgedAnswered.countDown();
                }
            });
        }
        // the verifier is stuck, and still the verified token is answered (deadline: the call fails if it waits)
        CheckResponse meanwhile = AuthorizationGrpc.newBlockingStub(channel).withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
                .check(request(Map.of("authorization", "Bearer " + token)));
        assertThat(meanwhile.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
        assertThat(forgedAnswered.getCount()).as("no forged token was verified while the verifier was stuck").isEqualTo(20);
        release.countDown();
        assertThat(forgedAnswered.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    }

    /** The verifier stuck and its queue full: a new token is refused at once (503), a verified one still passes. */
    @Test
    void aVerifiedTokenIsAnsweredWhenTheVerificationQueueIsFull() throws Exception {
        String token = tokens.es256("ec-1", new com.nimbusds.jwt.JWTClaimsSet.Builder().subject(Tokens.WEBAPP).audience(Tokens.AUDIENCE)
                .expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(5)))).build());
        assertThat(check(Map.of("authorization", "Bearer " + token)).getStatus().getCode()).isEqualTo(Code.OK_VALUE);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        verifications.execute(() -> {
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(started.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < VerificationPool.QUEUE; i++) {
            verifications.execute(() -> { });
        }
        try {
            String unverified = tokens.es256("ec-1", new com.nimbusds.jwt.JWTClaimsSet.Builder().subject(Tokens.WEBAPP)
                    .audience(Tokens.AUDIENCE).jwtID("new").expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(5)))).build());
            CheckResponse refused = check(Map.of("authorization", "Bearer " + unverified));
            assertThat(refused.getDeniedResponse().getStatus().getCodeValue()).isEqualTo(503);
            assertThat(refused.getDeniedResponse().getBody()).isEqualTo("too many tokens waiting for signature verification; retry\n");
            CheckResponse verified = AuthorizationGrpc.newBlockingStub(channel).withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
                    .check(request(Map.of("authorization", "Bearer " + token)));
            assertThat(verified.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
        } finally {
            release.countDown();
        }
    }

    /** Skipped, not remembered as forged: so the same token, sent again, is handed to the verifier a second time. */
    @Test
    void aVerificationWhoseCallerGaveUpIsSkipped() throws Exception {
        java.util.concurrent.atomic.AtomicInteger handedOver = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.Executor counting = task -> {
            handedOver.incrementAndGet();
            verifications.execute(task);
        };
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        verifications.execute(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        String forged = "Bearer " + tokens.sign(new com.nimbusds.jose.JWSHeader.Builder(com.nimbusds.jose.JWSAlgorithm.ES256).keyID("ec-1").build(),
                new com.nimbusds.jwt.JWTClaimsSet.Builder().subject(Tokens.WEBAPP).audience(Tokens.AUDIENCE)
                        .expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(5)))).build(), tokens.otherEc);
        AuthzService service = AuthzService.validating(new JwtSvidValidator(bundles, Tokens.AUDIENCE, Set.of(Tokens.WEBAPP),
                Clock.systemUTC()), counting);
        try (SdsServer abandoning = new SdsServer(dir.resolve("abandon.sock"), PosixFilePermissions.fromString("rw-------"), null,
                List.of(service))) {
            io.grpc.ManagedChannel abandonChannel = UnixChannels.open(abandoning.socket(), group);
            try {
                var stub = AuthorizationGrpc.newBlockingStub(abandonChannel);
                assertThatThrownBy(() -> stub.withDeadlineAfter(2, java.util.concurrent.TimeUnit.SECONDS)
                        .check(request(Map.of("authorization", forged)))).hasMessageContaining("DEADLINE_EXCEEDED");
                // on a loaded host the call may expire before it reaches the service: then it was never handed over
                int abandoned = handedOver.get();
                assertThat(abandoned).isBetween(0, 1);
                release.countDown();
                java.util.concurrent.CountDownLatch drained = new java.util.concurrent.CountDownLatch(1);
                verifications.execute(drained::countDown);
                assertThat(drained.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                CheckResponse again = stub.withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS).check(request(Map.of("authorization", forged)));
                assertThat(again.getDeniedResponse().getBody()).isEqualTo("bad signature\n");
                assertThat(handedOver).as("the abandoned check was not computed, so not remembered").hasValue(abandoned + 1);
                stub.check(request(Map.of("authorization", forged)));
                assertThat(handedOver).as("a computed one is remembered").hasValue(abandoned + 1);
            } finally {
                abandonChannel.shutdownNow();
            }
        }
    }

    @Test
    void injectModeAddsACachedJwtSvidForTheAudienceAndReplacesTheApplicationsHeader() throws Exception {
        withInjector(true, stub -> {
            CheckResponse first = stub.check(request(Map.of("authorization", "Bearer made-up-by-the-app")));
            CheckResponse second = stub.check(request(Map.of()));
            assertThat(first.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
            HeaderValueOption header = first.getOkResponse().getHeaders(0);
            assertThat(header.getHeader().getKey()).isEqualTo("authorization");
            assertThat(header.getAppendAction()).isEqualTo(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD);
            // what the forward agent injects, the reverse agent accepts
            assertThat(check(Map.of("authorization", header.getHeader().getValue())).getStatus().getCode()).isEqualTo(Code.OK_VALUE);
            assertThat(second.getOkResponse().getHeaders(0).getHeader().getValue()).isEqualTo(header.getHeader().getValue());
            assertThat(workloadApi.jwtFetches()).as("the JWT-SVID is cached").isEqualTo(1);
        });
    }

    @Test
    void injectWithoutAnIdentityIsA503WithAReason() throws Exception {
        workloadApi.issueJwtSvids(audience -> null);
        withInjector(false, stub -> {
            CheckResponse response = stub.check(request(Map.of()));
            assertThat(response.getDeniedResponse().getStatus().getCodeValue()).isEqualTo(503);
            assertThat(response.getDeniedResponse().getBody()).contains("is this workload registered");
        });
    }

    @Test
    void injectRefreshesAheadOfExpiryWithoutAnyRequest() throws Exception {
        workloadApi.issueJwtSvids(audience -> tokens.es256("ec-1", new com.nimbusds.jwt.JWTClaimsSet.Builder().subject(Tokens.WEBAPP)
                .audience(audience).expirationTime(Date.from(Instant.now().plus(Duration.ofSeconds(3)))).build()));
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        try (JwtSvidRefresher refresher = new JwtSvidRefresher(() -> WorkloadApi.client(workloadApi.address()), Tokens.AUDIENCE,
                Clock.systemUTC(), held::countDown)) {
            refresher.start();
            assertThat(held.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            int first = workloadApi.jwtFetches();
            org.awaitility.Awaitility.await("refreshed twice with no request").atMost(Duration.ofSeconds(30))
                    .until(() -> workloadApi.jwtFetches() >= first + 2);
            assertThat(check(Map.of("authorization", "Bearer " + refresher.token())).getStatus().getCode()).isEqualTo(Code.OK_VALUE);
        }
    }

    /** A Workload API that accepts the call and never answers: Check must still answer at once, and the refresher recover. */
    @Test
    void aHungWorkloadApiNeverHoldsACheckAndIsAbandonedAfterTheDeadline() throws Exception {
        java.util.concurrent.atomic.AtomicInteger clients = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger interrupted = new java.util.concurrent.atomic.AtomicInteger();
        java.util.function.Supplier<io.spiffe.workloadapi.WorkloadApiClient> hung = () -> {
            clients.incrementAndGet();
            return (io.spiffe.workloadapi.WorkloadApiClient) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {io.spiffe.workloadapi.WorkloadApiClient.class}, (proxy, method, args) -> {
                        if (method.getName().equals("fetchJwtSvid")) {
                            try {
                                never.await();
                            } catch (InterruptedException e) {
                                interrupted.incrementAndGet();
                                throw new io.spiffe.exception.JwtSvidException("cancelled");
                            }
                        }
                        return null;
                    });
        };
        try (JwtSvidRefresher refresher = new JwtSvidRefresher(hung, Tokens.AUDIENCE, Clock.systemUTC(), () -> { });
             SdsServer forward = new SdsServer(dir.resolve("hung.sock"), PosixFilePermissions.fromString("rw-------"), null,
                     List.of(AuthzService.injecting(refresher)))) {
            refresher.start();
            io.grpc.ManagedChannel forwardChannel = UnixChannels.open(forward.socket(), group);
            try {
                CheckResponse response = AuthorizationGrpc.newBlockingStub(forwardChannel).withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
                        .check(request(Map.of()));
                assertThat(response.getDeniedResponse().getStatus().getCodeValue()).isEqualTo(503);
                assertThat(response.getDeniedResponse().getBody()).contains("no JWT-SVID", "yet");
            } finally {
                forwardChannel.shutdownNow();
            }
            org.awaitility.Awaitility.await("the stuck fetch cancelled and a new client made").atMost(Duration.ofSeconds(30))
                    .until(() -> interrupted.get() >= 1 && clients.get() >= 2);
            assertThatThrownBy(refresher::token).hasMessageContaining("no answer within 5 s");
        }
    }

    @Test
    void validateAnswers503UntilTheFirstBundlesArriveAndReportsWhenTheyDo() throws Exception {
        Path later = dir.resolve("later.sock");
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        try (JwtBundleSource early = new JwtBundleSource("unix:" + later, Duration.ofSeconds(1), held::countDown)) {
            early.start();
            JwtSvidValidator validator = new JwtSvidValidator(early, Tokens.AUDIENCE, Set.of(Tokens.WEBAPP), Clock.systemUTC());
            String token = "Bearer " + tokens.es256("ec-1", new com.nimbusds.jwt.JWTClaimsSet.Builder().subject(Tokens.WEBAPP)
                    .audience(Tokens.AUDIENCE).expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(5)))).build());
            assertThat(validator.check(token)).isEqualTo(new Verdict.Denied(503,
                    "no JWT bundles received from the Workload API yet; retry"));
            assertThat(early.held()).isFalse();
            try (FakeWorkloadApi arriving = new FakeWorkloadApi(later)) {
                arriving.jwtBundles(Map.of("example.org", new JWKSet(new ECKey.Builder(com.nimbusds.jose.jwk.Curve.P_256,
                        (java.security.interfaces.ECPublicKey) tokens.ec.getPublic()).keyID("ec-1").build()).toString()));
                assertThat(held.await(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                assertThat(validator.check(token)).isEqualTo(new Verdict.Allowed(Tokens.WEBAPP));
            }
        }
    }

    /** An sds-agent in inject mode on its own socket, as the forward proxy's side of a webapp pod has it. */
    private void withInjector(boolean awaitToken, java.util.function.Consumer<AuthorizationGrpc.AuthorizationBlockingStub> calls)
            throws Exception {
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        try (JwtSvidRefresher refresher = new JwtSvidRefresher(() -> WorkloadApi.client(workloadApi.address()), Tokens.AUDIENCE,
                Clock.systemUTC(), held::countDown);
             SdsServer forward = new SdsServer(dir.resolve("inject.sock"), PosixFilePermissions.fromString("rw-------"), null,
                     List.of(AuthzService.injecting(refresher)))) {
            refresher.start();
            if (awaitToken) {
                assertThat(held.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            }
            io.grpc.ManagedChannel forwardChannel = UnixChannels.open(forward.socket(), group);
            try {
                calls.accept(AuthorizationGrpc.newBlockingStub(forwardChannel));
            } finally {
                forwardChannel.shutdownNow();
            }
        }
    }

    private CheckResponse check(Map<String, String> headers) {
        return AuthorizationGrpc.newBlockingStub(channel).check(request(headers));
    }

    private static CheckRequest request(Map<String, String> headers) {
        return CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder().setRequest(AttributeContext.Request.newBuilder()
                .setHttp(AttributeContext.HttpRequest.newBuilder().setMethod("GET").setPath("/api/customers").putAllHeaders(headers)))).build();
    }
}
