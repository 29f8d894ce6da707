package org.spiffelab.sds.bench;

import com.google.rpc.Code;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.stub.StreamObserver;
import io.spiffe.bundle.jwtbundle.JwtBundle;
import io.spiffe.bundle.jwtbundle.JwtBundleSet;
import io.spiffe.spiffeid.TrustDomain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.spiffelab.sds.authz.AuthzService;
import org.spiffelab.sds.authz.JwtSvidValidator;
import org.spiffelab.sds.server.SdsServer;
import org.spiffelab.sds.server.UnixChannels;

/**
 * ext_authz Check() in validate mode against a no-op authorizer (always OK) in the same JVM and run: throughput and
 * p50/p99 latency at each concurrency, over gRPC on a Unix socket as Envoy calls it. Prints the ratios.
 *
 * <pre>java -cp sds-agent.jar org.spiffelab.sds.bench.AuthzCheckBenchmark [seconds per measurement=10]</pre>
 */
public final class AuthzCheckBenchmark {

    private AuthzCheckBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.io.grpc.netty.shaded.io.netty.bootstrap", "error");
        String audience = "spiffe://example.org/ns/demo/sa/customer-service";
        String subject = "spiffe://example.org/ns/demo/sa/webapp";
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair keys = generator.generateKeyPair();
        JwtBundleSet bundles = JwtBundleSet.of(List.of(new JwtBundle(TrustDomain.parse("example.org"), Map.of("k1", keys.getPublic()))));
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("k1").build(), new JWTClaimsSet.Builder()
                .subject(subject).audience(audience).expirationTime(Date.from(Instant.now().plus(Duration.ofHours(1)))).build());
        jwt.sign(new ECDSASigner((ECPrivateKey) keys.getPrivate()));
        CheckRequest request = CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder().setRequest(
                AttributeContext.Request.newBuilder().setHttp(AttributeContext.HttpRequest.newBuilder().setMethod("GET")
                        .setPath("/api/customers/1001").putHeaders("authorization", "Bearer " + jwt.serialize())))).build();

        Path dir = Files.createTempDirectory("authz-bench");
        AuthorizationGrpc.AuthorizationImplBase noop = new AuthorizationGrpc.AuthorizationImplBase() {
            @Override
            public void check(CheckRequest ignored, StreamObserver<CheckResponse> responses) {
                responses.onNext(CheckResponse.newBuilder().setStatus(com.google.rpc.Status.newBuilder().setCode(Code.OK_VALUE)).build());
                responses.onCompleted();
            }
        };
        var mode = PosixFilePermissions.fromString("rw-------");
        try (SdsServer validating = new SdsServer(dir.resolve("validate.sock"), mode, null, List.of(AuthzService.validating(
                new JwtSvidValidator(org.spiffelab.sds.authz.JwtBundles.of(() -> bundles), audience, Set.of(subject), Clock.systemUTC()), new org.spiffelab.sds.authz.VerificationPool())));
             SdsServer noopServer = new SdsServer(dir.resolve("noop.sock"), mode, null, List.of(noop))) {
            EventLoopGroup group = UnixChannels.eventLoops(1);
            System.out.printf("%next_authz Check(): validate mode vs no-op, %d s per measurement, gRPC over a Unix socket%n%n", seconds);
            System.out.printf("  %-12s %14s %14s %10s %10s %10s %10s%n", "concurrency", "validate rps", "no-op rps", "rps ratio",
                    "p50 ratio", "p99 ratio", "");
            // JIT warm-up of both servers before anything is measured
            measure(UnixChannels.open(noopServer.socket(), group), request, 16, 2);
            measure(UnixChannels.open(validating.socket(), group), request, 16, 2);
            for (int concurrency : new int[] {16, 64}) {
                Result noopResult = measure(UnixChannels.open(noopServer.socket(), group), request, concurrency, seconds);
                Result validate = measure(UnixChannels.open(validating.socket(), group), request, concurrency, seconds);
                System.out.printf("  %-12d %14.0f %14.0f %10.2f %10.2f %10.2f%n", concurrency, validate.rps, noopResult.rps,
                        validate.rps / noopResult.rps, validate.p50 / noopResult.p50, validate.p99 / noopResult.p99);
                System.out.printf("  %-12s validate p50 %.3f ms, p99 %.3f ms; no-op p50 %.3f ms, p99 %.3f ms%n", "",
                        validate.p50 / 1e6, validate.p99 / 1e6, noopResult.p50 / 1e6, noopResult.p99 / 1e6);
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        System.exit(0);
    }

    private record Result(double rps, double p50, double p99) {
    }

    /** {@code concurrency} calls in flight for a warm-up second, then {@code seconds} measured. */
    private static Result measure(ManagedChannel channel, CheckRequest request, int concurrency, int seconds) throws Exception {
        AuthorizationGrpc.AuthorizationStub stub = AuthorizationGrpc.newStub(channel);
        List<long[]> latencies = new ArrayList<>();
        AtomicLong done = new AtomicLong();
        long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        long end = warmupEnd + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < concurrency; w++) {
            long[] samples = new long[2_000_000];
            latencies.add(samples);
            Thread worker = new Thread(() -> {
                int n = 0;
                var blocking = AuthorizationGrpc.newBlockingStub(channel);
                while (true) {
                    long start = System.nanoTime();
                    if (start >= end) {
                        break;
                    }
                    CheckResponse response = blocking.check(request);
                    if (response.getStatus().getCode() != Code.OK_VALUE) {
                        throw new IllegalStateException("benchmark request denied: " + response.getStatus().getMessage());
                    }
                    long now = System.nanoTime();
                    if (start >= warmupEnd && n < samples.length) {
                        samples[n++] = now - start;
                        done.incrementAndGet();
                    }
                }
                samples[samples.length - 1] = n;
            });
            workers.add(worker);
            worker.start();
        }
        for (Thread worker : workers) {
            worker.join();
        }
        channel.shutdownNow();
        List<Long> all = new ArrayList<>();
        for (long[] samples : latencies) {
            int n = (int) samples[samples.length - 1];
            for (int i = 0; i < n; i++) {
                all.add(samples[i]);
            }
        }
        all.sort(null);
        return new Result(done.get() / (double) seconds, all.get(all.size() / 2), all.get((int) (all.size() * 0.99)));
    }
}
