package org.spiffelab.sds.secrets;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.secret.v3.SecretDiscoveryServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spiffelab.sds.workload.SnapshotListener;
import org.spiffelab.sds.workload.WorkloadSnapshot;

/** Envoy's Secret Discovery Service v3: StreamSecrets and FetchSecrets; DeltaSecrets is not implemented (as in SPIRE). */
public final class SdsService extends SecretDiscoveryServiceGrpc.SecretDiscoveryServiceImplBase implements SnapshotListener {

    public static final String SECRET_TYPE_URL = "type.googleapis.com/" + Secret.getDescriptor().getFullName();
    private static final Logger LOG = LoggerFactory.getLogger(SdsService.class);

    private final SecretResolver resolver;
    private final boolean spiffeValidatorDisabled;
    private final Supplier<WorkloadSnapshot> snapshots;
    private final Set<SdsStream> streams = ConcurrentHashMap.newKeySet();
    private final AtomicLong ids = new AtomicLong();

    public SdsService(SecretResolver resolver, boolean spiffeValidatorDisabled, Supplier<WorkloadSnapshot> snapshots) {
        this.resolver = resolver;
        this.spiffeValidatorDisabled = spiffeValidatorDisabled;
        this.snapshots = snapshots;
    }

    static boolean acceptsTypeUrl(String typeUrl) {
        return typeUrl.isEmpty() || typeUrl.equals(SECRET_TYPE_URL);
    }

    @Override
    public StreamObserver<DiscoveryRequest> streamSecrets(StreamObserver<DiscoveryResponse> responses) {
        SdsStream[] holder = new SdsStream[1];
        SdsStream stream = new SdsStream(ids.incrementAndGet(), responses, resolver, spiffeValidatorDisabled, snapshots,
                () -> streams.remove(holder[0]));
        holder[0] = stream;
        streams.add(stream);
        return stream;
    }

    @Override
    public void fetchSecrets(DiscoveryRequest request, StreamObserver<DiscoveryResponse> responses) {
        if (!acceptsTypeUrl(request.getTypeUrl())) {
            responses.onError(Status.INVALID_ARGUMENT.withDescription("unsupported type_url; this server serves "
                    + SECRET_TYPE_URL).asRuntimeException());
            return;
        }
        WorkloadSnapshot snapshot = snapshots.get();
        if (snapshot == null) {
            responses.onError(Status.UNAVAILABLE.withDescription("no SVID from the Workload API yet").asRuntimeException());
            return;
        }
        try {
            List<Secret> secrets = resolver.resolve(request.getResourceNamesList(), snapshot,
                    ValidationMode.forNode(request.getNode(), spiffeValidatorDisabled));
            DiscoveryResponse.Builder response = DiscoveryResponse.newBuilder().setVersionInfo(snapshot.versionInfo())
                    .setTypeUrl(SECRET_TYPE_URL);
            secrets.forEach(s -> response.addResources(Any.pack(s)));
            LOG.info("fetch node={} names={} version={}", request.getNode().getId(), request.getResourceNamesList(), snapshot.version());
            responses.onNext(response.build());
            responses.onCompleted();
        } catch (UnknownNamesException e) {
            responses.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
        }
    }

    @Override
    public StreamObserver<DeltaDiscoveryRequest> deltaSecrets(StreamObserver<DeltaDiscoveryResponse> responses) {
        responses.onError(Status.UNIMPLEMENTED.withDescription("DeltaSecrets is not implemented; use StreamSecrets").asRuntimeException());
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
        for (SdsStream stream : streams) {
            try {
                stream.push(snapshot);
            } catch (RuntimeException e) {
                LOG.warn("could not push version {} to a stream: {}", snapshot.version(), e.toString());
            }
        }
        LOG.info("pushed version {} to {} streams in {} ms", snapshot.version(), streams.size(),
                (System.nanoTime() - started) / 1_000_000);
    }
}
