package org.spiffelab.sds.bench;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.secret.v3.SecretDiscoveryServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.spiffelab.sds.server.UnixChannels;

/**
 * The SDS fan-out benchmark's load: opens N StreamSecrets streams to each target SDS server (e.g. the SPIRE agent and
 * sds-agent, fed by the same SPIRE agent), ACKs like Envoy, and records when each stream first holds each certificate
 * serial. After {@code rotations} new serials it prints, per target and serial, when every stream got it, in
 * nanoseconds since the earliest arrival of that serial anywhere — one JSON line per target and serial.
 *
 * <pre>java -cp sds-agent.jar org.spiffelab.sds.bench.SdsFanOut --streams=1000 --rotations=3 --resource=spiffe://...
 *      --target=spire=unix:/run/spire/sockets/agent.sock --target=sds-agent=unix:/run/sds-agent/agent.sock</pre>
 */
public final class SdsFanOut {

    private static final int STREAMS_PER_CONNECTION = 100;

    /** serial → target → arrival (System.nanoTime) per stream. */
    private final Map<String, Map<String, long[]>> arrivals = new ConcurrentHashMap<>();
    private final int streams;

    private SdsFanOut(int streams) {
        this.streams = streams;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> targets = new LinkedHashMap<>();
        int streams = 1000;
        int rotations = 3;
        String resource = null;
        long timeoutSeconds = 300;
        for (String arg : args) {
            String value = arg.substring(arg.indexOf('=') + 1);
            if (arg.startsWith("--target=")) {
                targets.put(value.substring(0, value.indexOf('=')), value.substring(value.indexOf('=') + 1));
            } else if (arg.startsWith("--streams=")) {
                streams = Integer.parseInt(value);
            } else if (arg.startsWith("--rotations=")) {
                rotations = Integer.parseInt(value);
            } else if (arg.startsWith("--resource=")) {
                resource = value;
            } else if (arg.startsWith("--timeout-seconds=")) {
                timeoutSeconds = Long.parseLong(value);
            } else {
                throw new IllegalArgumentException("unknown argument " + arg);
            }
        }
        if (targets.isEmpty() || resource == null) {
            throw new IllegalArgumentException("need --resource=<SPIFFE ID> and at least one --target=name=unix:/path");
        }
        new SdsFanOut(streams).run(targets, resource, rotations, timeoutSeconds);
    }

    private void run(Map<String, String> targets, String resource, int rotations, long timeoutSeconds) throws Exception {
        EventLoopGroup group = UnixChannels.eventLoops(2);
        List<ManagedChannel> channels = new ArrayList<>();
        Node node = Node.newBuilder().setId("bench").setCluster("bench").build();
        for (Map.Entry<String, String> target : targets.entrySet()) {
            String path = target.getValue().replaceFirst("^unix:", "");
            for (int c = 0; c * STREAMS_PER_CONNECTION < streams; c++) {
                ManagedChannel channel = UnixChannels.open(java.nio.file.Path.of(path), group);
                channels.add(channel);
                for (int s = c * STREAMS_PER_CONNECTION; s < Math.min(streams, (c + 1) * STREAMS_PER_CONNECTION); s++) {
                    open(channel, target.getKey(), s, node, resource);
                }
            }
            System.err.printf("opened %d streams to %s%n", streams, target.getKey());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        // The first serial is the one held at start; then wait for `rotations` more, complete on every target.
        while (System.nanoTime() < deadline && completeSerials(targets.keySet()).size() < rotations + 1) {
            Thread.sleep(200);
        }
        List<String> complete = completeSerials(targets.keySet());
        System.err.printf("serials complete on all targets: %d%n", complete.size());
        for (String serial : complete.subList(1, complete.size())) {
            Map<String, long[]> bySerial = arrivals.get(serial);
            long earliest = bySerial.values().stream().flatMapToLong(Arrays::stream).min().orElseThrow();
            for (String target : targets.keySet()) {
                long[] delays = Arrays.stream(bySerial.get(target)).map(t -> t - earliest).sorted().toArray();
                System.out.printf("{\"target\":\"%s\",\"serial\":\"%s\",\"streams\":%d,\"delaysNanos\":%s}%n",
                        target, serial, delays.length, Arrays.toString(delays));
            }
        }
        channels.forEach(ManagedChannel::shutdownNow);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        System.exit(complete.size() >= rotations + 1 ? 0 : 1);
    }

    /** Serials every stream of every target has received, in order of first arrival. */
    private List<String> completeSerials(java.util.Set<String> targets) {
        List<Map.Entry<String, Map<String, long[]>>> done = new ArrayList<>();
        for (Map.Entry<String, Map<String, long[]>> entry : arrivals.entrySet()) {
            boolean all = targets.stream().allMatch(t -> {
                long[] times = entry.getValue().get(t);
                return times != null && Arrays.stream(times).allMatch(x -> x != 0);
            });
            if (all) {
                done.add(entry);
            }
        }
        done.sort((a, b) -> Long.compare(min(a.getValue()), min(b.getValue())));
        return done.stream().map(Map.Entry::getKey).toList();
    }

    private static long min(Map<String, long[]> times) {
        return times.values().stream().flatMapToLong(Arrays::stream).filter(x -> x != 0).min().orElse(Long.MAX_VALUE);
    }

    private void open(ManagedChannel channel, String target, int index, Node node, String resource) {
        // the response handler ACKs on the stream it belongs to: set before the first request goes out
        AtomicReference<StreamObserver<DiscoveryRequest>> requests = new AtomicReference<>();
        requests.set(SecretDiscoveryServiceGrpc.newStub(channel).streamSecrets(new StreamObserver<>() {
            @Override
            public void onNext(DiscoveryResponse response) {
                long now = System.nanoTime();
                try {
                    Secret secret = response.getResources(0).unpack(Secret.class);
                    X509Certificate leaf = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                            new ByteArrayInputStream(secret.getTlsCertificate().getCertificateChain().getInlineBytes().toByteArray()));
                    long[] times = arrivals.computeIfAbsent(leaf.getSerialNumber().toString(16), k -> new ConcurrentHashMap<>())
                            .computeIfAbsent(target, k -> new long[streams]);
                    synchronized (times) {
                        if (times[index] == 0) {
                            times[index] = now;
                        }
                    }
                } catch (Exception e) {
                    System.err.println(target + " stream " + index + ": unreadable response: " + e);
                }
                synchronized (requests) {
                    requests.get().onNext(request(node, resource).setVersionInfo(response.getVersionInfo())
                            .setResponseNonce(response.getNonce()).build());
                }
            }

            @Override
            public void onError(Throwable t) {
                System.err.println(target + " stream " + index + " failed: " + t);
            }

            @Override
            public void onCompleted() {
            }
        }));
        synchronized (requests) {
            requests.get().onNext(request(node, resource).build());
        }
    }

    private static DiscoveryRequest.Builder request(Node node, String resource) {
        return DiscoveryRequest.newBuilder().setNode(node).addResourceNames(resource)
                .setTypeUrl("type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret");
    }
}
