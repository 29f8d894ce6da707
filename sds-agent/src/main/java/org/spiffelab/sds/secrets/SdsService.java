package org.spiffelab.sds.secrets;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.secret.v3.SecretDiscoveryServiceGrpc;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spiffelab.sds.workload.SnapshotListener;
import org.spiffelab.sds.workload.WorkloadSnapshot;

/**
 * Envoy's Secret Discovery Service v3 as the SPIRE agent serves it: StreamSecrets (see {@link SdsStream}),
 * FetchSecrets (no version, no nonce, the request's type_url echoed), DeltaSecrets unimplemented.
 */
public final class SdsService extends SecretDiscoveryServiceGrpc.SecretDiscoveryServiceImplBase implements SnapshotListener {

    private static final Logger LOG = LoggerFactory.getLogger(SdsService.class);
    /**
     * The event loop of the call's connection, when the server knows it (set by sds-agent's SDS server for its Unix
     * socket): updates are written to the stream from there.
     */
    public static final Context.Key<Executor> TRANSPORT_LOOP = Context.key("org.spiffelab.sds.transport-loop");
    private static final HexFormat HEX = HexFormat.of();
    /** Streams an event loop writes before it lets their flush (and other connections' work) run. */
    static final int CHUNK = 64;

    private final SecretResolver resolver;
    private final boolean spiffeValidatorDisabled;
    private final Supplier<WorkloadSnapshot> snapshots;
    private final RequestLimits limits;
    private final Set<SdsStream> streams = ConcurrentHashMap.newKeySet();
    private final AtomicLong opened = new AtomicLong();
    private final SecureRandom random = new SecureRandom();

    public SdsService(SecretResolver resolver, boolean spiffeValidatorDisabled, Supplier<WorkloadSnapshot> snapshots) {
        this(resolver, spiffeValidatorDisabled, snapshots, RequestLimits.DEFAULT);
    }

    public SdsService(SecretResolver resolver, boolean spiffeValidatorDisabled, Supplier<WorkloadSnapshot> snapshots,
                      RequestLimits limits) {
        this.resolver = resolver;
        this.spiffeValidatorDisabled = spiffeValidatorDisabled;
        this.snapshots = snapshots;
        this.limits = limits;
    }

    @Override
    public StreamObserver<DiscoveryRequest> streamSecrets(StreamObserver<DiscoveryResponse> responses) {
        // Registered before the current snapshot is read, so no update can fall between the two.
        SdsStream[] holder = new SdsStream[1];
        Executor loop = TRANSPORT_LOOP.get();
        synchronized (streams) {
            holder[0] = new SdsStream(opened.incrementAndGet(), responses, this, snapshots.get(), loop);
            streams.add(holder[0]);
        }
        return holder[0];
    }

    @Override
    public void fetchSecrets(DiscoveryRequest request, StreamObserver<DiscoveryResponse> responses) {
        Status refused = limits.check(request.getResourceNamesList());
        if (refused != null) {
            responses.onError(refused.asRuntimeException());
            return;
        }
        WorkloadSnapshot snapshot = snapshots.get();
        if (snapshot == null) {
            responses.onError(Status.UNAVAILABLE.withDescription("no SVID from the Workload API yet").asRuntimeException());
            return;
        }
        SecretResolver.Resolution resolution = resolver.resolve(request.getResourceNamesList(), snapshot,
                modeFor(request.hasNode() ? request.getNode() : null));
        if (resolution.failed()) {
            responses.onError(resolution.error().asRuntimeException());
            return;
        }
        responses.onNext(DiscoveryResponse.newBuilder().setTypeUrl(request.getTypeUrl())
                .addAllResources(resolution.resources()).build());
        responses.onCompleted();
    }

    @Override
    public StreamObserver<DeltaDiscoveryRequest> deltaSecrets(StreamObserver<DeltaDiscoveryResponse> responses) {
        responses.onError(Status.UNIMPLEMENTED.withDescription("Method is not implemented").asRuntimeException());
        return new StreamObserver<>() {
            @Override
            public void onNext(DeltaDiscoveryRequest value) {
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        };
    }

    /**
     * Pushes a new snapshot to every open stream: each transport event loop writes its own streams, so the loops work
     * at once and a connection's streams leave in one socket write; streams without a known loop are written from the
     * calling thread. A loop takes {@link #CHUNK} streams at a time and queues the rest behind the flush of those, so
     * the first answers leave while the others are being written. Per stream, updates keep their order (one loop,
     * tasks in order; an older version is never pushed over a newer one).
     */
    @Override
    public void onSnapshot(WorkloadSnapshot snapshot) {
        long started = System.nanoTime();
        Map<Executor, List<SdsStream>> byLoop = new IdentityHashMap<>();
        List<SdsStream> here = new ArrayList<>();
        for (SdsStream stream : streams) {
            Executor loop = stream.loop();
            (loop == null ? here : byLoop.computeIfAbsent(loop, k -> new ArrayList<>())).add(stream);
        }
        FanOut fanOut = new FanOut(snapshot, byLoop.size() + 1, started);
        byLoop.forEach((loop, group) -> fanOut.pushFrom(loop, group, 0));
        fanOut.push(here, 0, here.size());
        fanOut.groupDone();
    }

    /** One update's fan-out over several loops: the last group to finish logs one line for all. */
    private static final class FanOut {
        private final WorkloadSnapshot snapshot;
        private final long started;
        private final AtomicInteger groups;
        private final AtomicInteger pushed = new AtomicInteger();

        FanOut(WorkloadSnapshot snapshot, int groups, long started) {
            this.snapshot = snapshot;
            this.groups = new AtomicInteger(groups);
            this.started = started;
        }

        /** Pushes {@code group} from {@code from} on, a chunk per task on {@code loop}. */
        void pushFrom(Executor loop, List<SdsStream> group, int from) {
            try {
                loop.execute(() -> {
                    int to = Math.min(group.size(), from + CHUNK);
                    push(group, from, to);
                    if (to < group.size()) {
                        pushFrom(loop, group, to);
                    } else {
                        groupDone();
                    }
                });
            } catch (RejectedExecutionException e) {
                // the loop is shutting down, and its connections with it: write from here
                push(group, from, group.size());
                groupDone();
            }
        }

        void push(List<SdsStream> group, int from, int to) {
            for (int i = from; i < to; i++) {
                SdsStream stream = group.get(i);
                try {
                    stream.push(snapshot);
                    pushed.incrementAndGet();
                } catch (RuntimeException e) {
                    LOG.warn("could not push version {} to stream {}: {}", snapshot.version(), stream.id(), e.toString());
                }
            }
        }

        void groupDone() {
            if (groups.decrementAndGet() == 0) {
                LOG.info("pushed update {} to {} streams in {} ms", snapshot.version(), pushed.get(),
                        (System.nanoTime() - started) / 1_000_000);
            }
        }
    }

    /** Streams open now. */
    public int openStreams() {
        return streams.size();
    }

    /** Streams opened since start. */
    public long streamsOpened() {
        return opened.get();
    }

    RequestLimits limits() {
        return limits;
    }

    ValidationMode modeFor(Node node) {
        return ValidationMode.forNode(node, spiffeValidatorDisabled);
    }

    SecretResolver.Resolution resolve(java.util.List<String> names, WorkloadSnapshot snapshot, ValidationMode mode) {
        return resolver.resolve(names, snapshot, mode);
    }

    /** SPIRE's nonce shape: 4 random bytes, hex. */
    String nextNonce() {
        byte[] bytes = new byte[4];
        random.nextBytes(bytes);
        return HEX.formatHex(bytes);
    }

    void ended(SdsStream stream) {
        streams.remove(stream);
    }
}
