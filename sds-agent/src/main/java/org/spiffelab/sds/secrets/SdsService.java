package org.spiffelab.sds.secrets;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.secret.v3.SecretDiscoveryServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
    private static final HexFormat HEX = HexFormat.of();

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
        synchronized (streams) {
            holder[0] = new SdsStream(opened.incrementAndGet(), responses, this, snapshots.get());
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

    /** Pushes a new snapshot to every open stream. */
    @Override
    public void onSnapshot(WorkloadSnapshot snapshot) {
        long started = System.nanoTime();
        int count = 0;
        for (SdsStream stream : streams) {
            try {
                stream.push(snapshot);
                count++;
            } catch (RuntimeException e) {
                LOG.warn("could not push version {} to stream {}: {}", snapshot.version(), stream.id(), e.toString());
            }
        }
        LOG.info("pushed update {} to {} streams in {} ms", snapshot.version(), count, (System.nanoTime() - started) / 1_000_000);
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
