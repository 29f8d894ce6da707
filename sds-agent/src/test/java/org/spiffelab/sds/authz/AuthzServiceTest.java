package org.spiffelab.sds.authz;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Code;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
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
    JwtBundleWatcher bundles;
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
        bundles = new JwtBundleWatcher(() -> WorkloadApi.client(workloadApi.address()));
        bundles.start();
        assertThat(bundles.awaitFirst(Duration.ofSeconds(10))).isTrue();
        AuthzService validating = AuthzService.validating(new JwtSvidValidator(bundles::current, Tokens.AUDIENCE, Set.of(Tokens.WEBAPP),
                Clock.systemUTC()), verifications);
        server = new SdsServer(dir.resolve("validate.sock"), PosixFilePermissions.fromString("rw-------"), null, List.of(validating));
        group = new EpollEventLoopGroup(1);
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

    @Test
    void injectModeAddsACachedJwtSvidForTheAudienceAndReplacesTheApplicationsHeader() throws Exception {
        withInjector(stub -> {
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
        withInjector(stub -> {
            CheckResponse response = stub.check(request(Map.of()));
            assertThat(response.getDeniedResponse().getStatus().getCodeValue()).isEqualTo(503);
            assertThat(response.getDeniedResponse().getBody()).contains("is this workload registered");
        });
    }

    /** An sds-agent in inject mode on its own socket, as the forward proxy's side of a webapp pod has it. */
    private void withInjector(java.util.function.Consumer<AuthorizationGrpc.AuthorizationBlockingStub> calls) throws Exception {
        AuthzService injecting = AuthzService.injecting(new JwtSvidCache(WorkloadApi.client(workloadApi.address()), Tokens.AUDIENCE,
                Clock.systemUTC()));
        try (SdsServer forward = new SdsServer(dir.resolve("inject.sock"), PosixFilePermissions.fromString("rw-------"), null,
                List.of(injecting))) {
            io.grpc.ManagedChannel forwardChannel = UnixChannels.open(dir.resolve("inject.sock"), group);
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
