package org.spiffelab.sds.bench;

import com.google.rpc.Code;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.spiffelab.sds.workload.WorkloadApi;

/**
 * sds-agent's ext_authz (validate mode) against the Go reference (benchmarks/go-authz-reference: go-spiffe's
 * jwtsvid.ParseAndValidate) in the same run, both fed by the same SPIRE agent, with the same load generator: gRPC
 * {@code Authorization/Check} over TCP loopback with a real JWT-SVID, with bad-signature tokens (that token's header and
 * payload, random signature: the same one repeated, or a new one per request), and a valid client at concurrency 4
 * alone and under a bad-signature flood at concurrency 64. Prints req/s, p99 and the ratios. Run by
 * scripts/benchmark-authz.sh, which starts SPIRE and both servers.
 *
 * <pre>AuthzReferenceBenchmark WORKLOAD_API AUDIENCE JAVA_HOST:PORT GO_HOST:PORT [seconds per measurement=10]</pre>
 */
public final class AuthzReferenceBenchmark {

    private AuthzReferenceBenchmark() {
    }

    private record Result(double rps, double p99Millis) {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: AuthzReferenceBenchmark WORKLOAD_API AUDIENCE JAVA_HOST:PORT GO_HOST:PORT [seconds=10]");
            System.exit(2);
        }
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        int seconds = args.length > 4 ? Integer.parseInt(args[4]) : 10;
        String token;
        try (var client = WorkloadApi.client(args[0])) {
            token = client.fetchJwtSvid(args[1]).getToken();
        }
        String forgedOnce = forge(token);
        Map<String, Supplier<String>> kinds = new LinkedHashMap<>();
        kinds.put("valid", () -> token);
        kinds.put("bad signature (one token repeated)", () -> forgedOnce);
        kinds.put("bad signature (new token each request)", () -> forge(token));
        System.out.printf("%next_authz Check() over TCP loopback, %d s per measurement; JWT-SVID from SPIRE, %d chars%n", seconds, token.length());
        ManagedChannel java = channel(args[2]);
        ManagedChannel go = channel(args[3]);
        // warm-up, the same for both servers: JIT for the agent and this generator (both paths: cached and verified),
        // connections; the valid path last, so the first measurement does not meet code the other path deoptimised
        int warmUp = Math.max(5, seconds);
        for (ManagedChannel server : List.of(java, go)) {
            run(server, kinds.get("bad signature (new token each request)"), false, 16, warmUp);
            run(server, () -> token, true, 16, warmUp);
        }
        System.out.printf("%n  %-40s %5s %14s %14s %8s %12s %12s%n", "tokens", "conc.", "sds-agent rps", "Go rps", "ratio",
                "p99 ms java", "p99 ms Go");
        for (var kind : kinds.entrySet()) {
            for (int concurrency : new int[] {16, 64}) {
                boolean valid = kind.getKey().equals("valid");
                Result j = run(java, kind.getValue(), valid, concurrency, seconds);
                Result g = run(go, kind.getValue(), valid, concurrency, seconds);
                System.out.printf("  %-40s %5d %14.0f %14.0f %7.2fx %12.2f %12.2f%n", kind.getKey(), concurrency, j.rps, g.rps, j.rps / g.rps,
                        j.p99Millis, g.p99Millis);
            }
        }
        System.out.printf("%n  valid client at concurrency 4, alone and under a bad-signature flood at concurrency 64 (same server)%n");
        System.out.printf("  %-40s %14s %14s %14s %14s%n", "flood", "sds-agent rps", "of unloaded", "Go rps", "of unloaded");
        Result javaAlone = run(java, () -> token, true, 4, seconds);
        Result goAlone = run(go, () -> token, true, 4, seconds);
        System.out.printf("  %-40s %14.0f %13s %14.0f %13s   (p99 %.2f / %.2f ms)%n", "none", javaAlone.rps, "100%", goAlone.rps, "100%",
                javaAlone.p99Millis, goAlone.p99Millis);
        for (String flood : List.of("bad signature (new token each request)", "bad signature (one token repeated)")) {
            Result javaFlooded = underFlood(java, token, kinds.get(flood), seconds);
            Result goFlooded = underFlood(go, token, kinds.get(flood), seconds);
            System.out.printf("  %-40s %14.0f %13.0f%% %14.0f %13.0f%%   (p99 %.2f / %.2f ms)%n", flood, javaFlooded.rps,
                    100 * javaFlooded.rps / javaAlone.rps, goFlooded.rps, 100 * goFlooded.rps / goAlone.rps, javaFlooded.p99Millis,
                    goFlooded.p99Millis);
        }
        java.shutdownNow();
        go.shutdownNow();
        System.exit(0);
    }

    /** The token's header and payload with a random 64-byte signature: parses, names a real key, fails verification. */
    static String forge(String token) {
        byte[] signature = new byte[64];
        ThreadLocalRandom.current().nextBytes(signature);
        return token.substring(0, token.lastIndexOf('.') + 1) + Base64.getUrlEncoder().withoutPadding().encodeToString(signature);
    }

    private static ManagedChannel channel(String address) {
        int colon = address.lastIndexOf(':');
        return NettyChannelBuilder.forAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))).usePlaintext().build();
    }

    private static Result underFlood(ManagedChannel channel, String token, Supplier<String> forged, int seconds) throws Exception {
        Thread flood = new Thread(() -> run(channel, forged, false, 64, seconds + 2));
        flood.start();
        Thread.sleep(1000);   // the flood is running before the measured client starts
        Result valid = run(channel, () -> token, true, 4, seconds);
        flood.join();
        return valid;
    }

    /** {@code concurrency} blocking callers for {@code seconds}; every answer must be the expected allow or 401. */
    private static Result run(ManagedChannel channel, Supplier<String> tokens, boolean expectAllowed, int concurrency, int seconds) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        AtomicLong done = new AtomicLong();
        List<long[]> latencies = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int w = 0; w < concurrency; w++) {
            long[] samples = new long[100_001];
            latencies.add(samples);
            Thread worker = new Thread(() -> {
                var stub = AuthorizationGrpc.newBlockingStub(channel);
                int n = 0;
                while (System.nanoTime() < end) {
                    CheckRequest request = request(tokens.get());
                    long start = System.nanoTime();
                    CheckResponse response = stub.withDeadlineAfter(30, TimeUnit.SECONDS).check(request);
                    long took = System.nanoTime() - start;
                    boolean allowed = response.getStatus().getCode() == Code.OK_VALUE;
                    if (allowed != expectAllowed || !allowed && response.getDeniedResponse().getStatus().getCodeValue() != 401) {
                        failures.add(response.getStatus().getMessage());
                        return;
                    }
                    if (n < samples.length - 1) {
                        samples[n++] = took;
                    }
                    done.incrementAndGet();
                }
                samples[samples.length - 1] = n;
            });
            workers.add(worker);
            worker.start();
        }
        for (Thread worker : workers) {
            try {
                worker.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("unexpected answer: " + failures.get(0));
        }
        long[] all = latencies.stream().flatMapToLong(s -> Arrays.stream(s, 0, (int) s[s.length - 1])).sorted().toArray();
        return new Result(done.get() / (double) seconds, all.length == 0 ? 0 : all[(int) (all.length * 0.99)] / 1e6);
    }

    private static CheckRequest request(String token) {
        return CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder().setRequest(AttributeContext.Request.newBuilder()
                .setHttp(AttributeContext.HttpRequest.newBuilder().setMethod("GET").setPath("/api/customers/1001/balance")
                        .putHeaders("authorization", "Bearer " + token)))).build();
    }
}
