package org.spiffelab.sds.bench;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.secret.v3.SecretDiscoveryServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.spiffe.workloadapi.grpc.SpiffeWorkloadAPIGrpc;
import io.spiffe.workloadapi.grpc.Workload;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.spiffelab.sds.server.UnixChannels;

/**
 * The SDS fan-out benchmark's load. It watches the SPIRE agent's Workload API on one stream (the reference: when the
 * agent published a new certificate) and, per phase, opens N StreamSecrets streams to one target SDS server, ACKs like
 * Envoy, and records when each stream first holds the next new certificate. A stream's delay is counted from the
 * earliest arrival of that certificate on the reference or any of the phase's streams.
 * <ul>
 *   <li>{@code --mode=alternate} (default): phases take turns, one target at a time (SPIRE, sds-agent, SPIRE, ...),
 *       {@code --sets} times, one rotation per phase — each server serves its N streams alone, as when deployed;</li>
 *   <li>{@code --mode=together}: every target's N streams at once for {@code --sets} rotations — the SPIRE agent then
 *       also pushes its own N streams while sds-agent waits for the Workload API update behind them.</li>
 * </ul>
 * Output: one JSON line per phase start ({@code "event":"start"}), phase end ({@code "event":"end"}) and measured
 * certificate (target, set, serial, the reference's delay or -1 if it has not seen it yet, the streams' sorted delays;
 * in nanoseconds).
 *
 * <pre>java -cp sds-agent.jar:benchmarks.jar org.spiffelab.sds.bench.SdsFanOut --streams=1000 --sets=3
 *      --resource=spiffe://... --reference=unix:/run/spire/sockets/agent.sock
 *      --target=spire=unix:/run/spire/sockets/agent.sock --target=sds-agent=unix:/run/sds-agent/agent.sock</pre>
 */
public final class SdsFanOut {

    private static final int STREAMS_PER_CONNECTION = 100;
    private static final String SECRET_TYPE = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";

    private final EventLoopGroup group = UnixChannels.eventLoops(2);
    private final Node node = Node.newBuilder().setId("bench").setCluster("bench").build();
    /** serial → when the reference Workload API stream first held it. */
    private final Map<String, Long> reference = new ConcurrentHashMap<>();
    /** leaf serial by the chain's PEM bytes: each distinct certificate is parsed once, not once per stream. */
    private final Map<ByteString, String> serials = new ConcurrentHashMap<>();
    private final int streams;
    private final String resource;
    private final long deadline;

    private SdsFanOut(int streams, String resource, long timeoutSeconds) {
        this.streams = streams;
        this.resource = resource;
        this.deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> targets = new LinkedHashMap<>();
        int streams = 1000;
        int sets = 3;
        String resource = null;
        String referenceSocket = null;
        boolean together = false;
        long timeoutSeconds = 600;
        for (String arg : args) {
            String value = arg.substring(arg.indexOf('=') + 1);
            if (arg.startsWith("--target=")) {
                targets.put(value.substring(0, value.indexOf('=')), socket(value.substring(value.indexOf('=') + 1)));
            } else if (arg.startsWith("--streams=")) {
                streams = Integer.parseInt(value);
            } else if (arg.startsWith("--sets=")) {
                sets = Integer.parseInt(value);
            } else if (arg.startsWith("--resource=")) {
                resource = value;
            } else if (arg.startsWith("--reference=")) {
                referenceSocket = socket(value);
            } else if (arg.startsWith("--mode=")) {
                if (!value.equals("alternate") && !value.equals("together")) {
                    throw new IllegalArgumentException("--mode is alternate or together, not " + value);
                }
                together = value.equals("together");
            } else if (arg.startsWith("--timeout-seconds=")) {
                timeoutSeconds = Long.parseLong(value);
            } else {
                throw new IllegalArgumentException("unknown argument " + arg);
            }
        }
        if (targets.isEmpty() || resource == null || referenceSocket == null) {
            throw new IllegalArgumentException("need --resource=<SPIFFE ID>, --reference=unix:<Workload API socket> and at least"
                    + " one --target=name=unix:/path");
        }
        SdsFanOut load = new SdsFanOut(streams, resource, timeoutSeconds);
        boolean complete = load.run(targets, referenceSocket, sets, together);
        System.exit(complete ? 0 : 1);
    }

    private static String socket(String address) {
        return address.replaceFirst("^unix:", "");
    }

    private boolean run(Map<String, String> targets, String referenceSocket, int sets, boolean together) throws Exception {
        ManagedChannel referenceChannel = UnixChannels.open(Path.of(referenceSocket), group);
        watchReference(referenceChannel);
        try {
            for (int set = 1; set <= sets; set++) {
                if (together) {
                    List<Phase> phases = new ArrayList<>();
                    for (Map.Entry<String, String> target : targets.entrySet()) {
                        phases.add(new Phase(target.getKey(), set, target.getValue()));
                    }
                    if (!measure(phases)) {
                        return false;
                    }
                } else {
                    for (Map.Entry<String, String> target : targets.entrySet()) {
                        if (!measure(List.of(new Phase(target.getKey(), set, target.getValue())))) {
                            return false;
                        }
                    }
                }
            }
            return true;
        } finally {
            referenceChannel.shutdownNow();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /** Opens the phases' streams, waits for the first certificate that arrives after all hold one, prints, closes. */
    private boolean measure(List<Phase> phases) throws Exception {
        for (Phase phase : phases) {
            System.out.printf("{\"event\":\"start\",\"target\":\"%s\",\"set\":%d}%n", phase.target, phase.set);
            phase.open();
        }
        try {
            while (!phases.stream().allMatch(Phase::allHoldOne)) {
                if (!waitABit("every stream's first answer")) {
                    return false;
                }
            }
            long ready = System.nanoTime();
            String serial = null;
            while (serial == null) {
                if (!waitABit("a rotation")) {
                    return false;
                }
                serial = phases.get(0).firstNewSerialHeldByAll(ready);
                for (Phase phase : phases) {
                    if (serial != null && !phase.allHold(serial)) {
                        serial = null;
                    }
                }
            }
            long earliest = reference.getOrDefault(serial, Long.MAX_VALUE);
            for (Phase phase : phases) {
                earliest = Math.min(earliest, phase.earliest(serial));
            }
            for (Phase phase : phases) {
                long start = earliest;
                long[] delays = Arrays.stream(phase.arrivals(serial)).map(t -> t - start).sorted().toArray();
                long referenceDelay = reference.containsKey(serial) ? reference.get(serial) - start : -1;
                System.out.printf("{\"target\":\"%s\",\"set\":%d,\"serial\":\"%s\",\"referenceNanos\":%d,\"streams\":%d,"
                        + "\"delaysNanos\":%s}%n", phase.target, phase.set, serial, referenceDelay, delays.length, Arrays.toString(delays));
            }
            return true;
        } finally {
            for (Phase phase : phases) {
                // "end" goes out while the streams are still open: the harness reads the servers' memory then
                System.out.printf("{\"event\":\"end\",\"target\":\"%s\",\"set\":%d}%n", phase.target, phase.set);
                System.out.flush();
            }
            Thread.sleep(500); // let the harness sample memory with the streams open
            for (Phase phase : phases) {
                phase.close();
            }
        }
    }

    private boolean waitABit(String what) throws InterruptedException {
        if (System.nanoTime() > deadline) {
            System.err.println("timed out waiting for " + what);
            return false;
        }
        Thread.sleep(20);
        return true;
    }

    private void watchReference(ManagedChannel channel) {
        Metadata header = new Metadata();
        header.put(Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER), "true");
        SpiffeWorkloadAPIGrpc.newStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(header))
                .fetchX509SVID(Workload.X509SVIDRequest.getDefaultInstance(), new StreamObserver<>() {
                    @Override
                    public void onNext(Workload.X509SVIDResponse response) {
                        long now = System.nanoTime();
                        for (Workload.X509SVID svid : response.getSvidsList()) {
                            reference.putIfAbsent(serial(svid.getX509Svid()), now);
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        System.err.println("the reference Workload API stream failed: " + t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
    }

    /** The leaf's serial in hex, from a DER or PEM chain (the first certificate is the leaf). */
    private String serial(ByteString chain) {
        String known = serials.get(chain);
        if (known != null) {
            return known;
        }
        try {
            X509Certificate leaf = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(chain.toByteArray()));
            String serial = leaf.getSerialNumber().toString(16);
            if (serials.size() > 64) {
                serials.clear();
            }
            serials.put(chain, serial);
            return serial;
        } catch (java.security.cert.CertificateException e) {
            throw new IllegalStateException("unreadable certificate chain", e);
        }
    }

    /** One target's N streams for one set: when each stream first held each certificate. */
    private final class Phase {
        final String target;
        final int set;
        final String socket;
        final List<ManagedChannel> channels = new ArrayList<>();
        /** serial → arrival (System.nanoTime) per stream, 0 until it arrives. */
        final Map<String, long[]> bySerial = new ConcurrentHashMap<>();
        /** serials in order of first arrival on this phase's streams. */
        final List<String> order = java.util.Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger answered = new AtomicInteger();
        /** per stream: answered at least once (written by that stream's callbacks only, which gRPC runs in order). */
        final boolean[] held;

        Phase(String target, int set, String socket) {
            this.target = target;
            this.set = set;
            this.socket = socket;
            this.held = new boolean[streams];
        }

        void open() {
            for (int c = 0; c * STREAMS_PER_CONNECTION < streams; c++) {
                ManagedChannel channel = UnixChannels.open(Path.of(socket), group);
                channels.add(channel);
                for (int s = c * STREAMS_PER_CONNECTION; s < Math.min(streams, (c + 1) * STREAMS_PER_CONNECTION); s++) {
                    openStream(channel, s);
                }
            }
        }

        void close() throws InterruptedException {
            channels.forEach(ManagedChannel::shutdownNow);
            for (ManagedChannel channel : channels) {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            }
        }

        boolean allHoldOne() {
            return answered.get() == streams;
        }

        boolean allHold(String serial) {
            long[] times = bySerial.get(serial);
            return times != null && Arrays.stream(times).allMatch(t -> t != 0);
        }

        /** The first certificate first seen (here or on the reference) after {@code ready}, once every stream holds it. */
        String firstNewSerialHeldByAll(long ready) {
            synchronized (order) {
                for (String serial : order) {
                    long first = Math.min(reference.getOrDefault(serial, Long.MAX_VALUE), earliest(serial));
                    if (first > ready) {
                        return allHold(serial) ? serial : null;
                    }
                }
            }
            return null;
        }

        long earliest(String serial) {
            return Arrays.stream(bySerial.get(serial)).filter(t -> t != 0).min().orElse(Long.MAX_VALUE);
        }

        long[] arrivals(String serial) {
            return bySerial.get(serial);
        }

        private void record(int index, String serial, long now) {
            long[] times = bySerial.computeIfAbsent(serial, k -> {
                order.add(k);
                return new long[streams];
            });
            synchronized (times) {
                if (times[index] == 0) {
                    times[index] = now;
                }
            }
            if (!held[index]) {
                held[index] = true;
                answered.incrementAndGet();
            }
        }

        private void openStream(ManagedChannel channel, int index) {
            // the response handler ACKs on the stream it belongs to: set before the first request goes out
            AtomicReference<StreamObserver<DiscoveryRequest>> requests = new AtomicReference<>();
            requests.set(SecretDiscoveryServiceGrpc.newStub(channel).streamSecrets(new StreamObserver<>() {
                @Override
                public void onNext(DiscoveryResponse response) {
                    long now = System.nanoTime();
                    try {
                        Secret secret = response.getResources(0).unpack(Secret.class);
                        record(index, serial(secret.getTlsCertificate().getCertificateChain().getInlineBytes()), now);
                    } catch (Exception e) {
                        System.err.println(target + " stream " + index + ": unreadable response: " + e);
                    }
                    synchronized (requests) {
                        requests.get().onNext(request().setVersionInfo(response.getVersionInfo())
                                .setResponseNonce(response.getNonce()).build());
                    }
                }

                @Override
                public void onError(Throwable t) {
                    if (!channel.isShutdown()) {
                        System.err.println(target + " stream " + index + " failed: " + t);
                    }
                }

                @Override
                public void onCompleted() {
                }
            }));
            synchronized (requests) {
                requests.get().onNext(request().build());
            }
        }

        private DiscoveryRequest.Builder request() {
            return DiscoveryRequest.newBuilder().setNode(node).addResourceNames(resource).setTypeUrl(SECRET_TYPE);
        }
    }
}
