package org.spiffelab.sds.secrets;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spiffelab.sds.workload.WorkloadSnapshot;

/**
 * One Envoy's StreamSecrets conversation (state-of-the-world xDS), following the SPIRE agent's rules:
 * <ul>
 *   <li>a request whose nonce is not the last one sent is stale and ignored;</li>
 *   <li>an ACK (same names) gets no reply; a NACK is logged and does not trigger a resend;</li>
 *   <li>changed names get an immediate answer;</li>
 *   <li>every new Workload API snapshot is pushed with a new version, without waiting for a request.</li>
 * </ul>
 * Requests (gRPC threads) and snapshots (Workload API thread) meet under this object's lock.
 */
final class SdsStream implements StreamObserver<DiscoveryRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(SdsStream.class);

    private final long id;
    private final StreamObserver<DiscoveryResponse> responses;
    private final SecretResolver resolver;
    private final boolean spiffeValidatorDisabled;
    private final Supplier<WorkloadSnapshot> snapshots;
    private final Runnable onClose;

    private DiscoveryRequest lastRequest;
    private Node node = Node.getDefaultInstance();
    private String lastNonce;
    private boolean closed;

    SdsStream(long id, StreamObserver<DiscoveryResponse> responses, SecretResolver resolver, boolean spiffeValidatorDisabled,
              Supplier<WorkloadSnapshot> snapshots, Runnable onClose) {
        this.id = id;
        this.responses = responses;
        this.resolver = resolver;
        this.spiffeValidatorDisabled = spiffeValidatorDisabled;
        this.snapshots = snapshots;
        this.onClose = onClose;
    }

    @Override
    public synchronized void onNext(DiscoveryRequest request) {
        if (closed) {
            return;
        }
        if (!SdsService.acceptsTypeUrl(request.getTypeUrl())) {
            fail(Status.INVALID_ARGUMENT.withDescription("unsupported type_url '" + shorten(request.getTypeUrl())
                    + "': this server serves " + SdsService.SECRET_TYPE_URL));
            return;
        }
        if (request.hasNode()) {
            node = request.getNode();
        }
        if (request.hasErrorDetail()) {
            LOG.warn("stream={} node={} NACK version={} names={}: {}", id, node.getId(), request.getVersionInfo(),
                    request.getResourceNamesList(), request.getErrorDetail().getMessage());
        }
        if (lastNonce != null && !lastNonce.equals(request.getResponseNonce())) {
            LOG.debug("stream={} stale nonce {} (last sent {}): ignored", id, request.getResponseNonce(), lastNonce);
            return;
        }
        boolean namesChanged = lastRequest == null
                || !new HashSet<>(lastRequest.getResourceNamesList()).equals(new HashSet<>(request.getResourceNamesList()));
        lastRequest = request;
        if (!namesChanged) {
            LOG.debug("stream={} node={} ACK version={}", id, node.getId(), request.getVersionInfo());
            return;
        }
        LOG.info("stream={} node={} cluster={} requests names={}", id, node.getId(), node.getCluster(), request.getResourceNamesList());
        WorkloadSnapshot snapshot = snapshots.get();
        if (snapshot != null) {
            send(snapshot);
        }
        // else: the first snapshot will answer
    }

    /** A new Workload API snapshot: push it if Envoy has asked for anything yet. */
    synchronized void push(WorkloadSnapshot snapshot) {
        if (!closed && lastRequest != null) {
            send(snapshot);
        }
    }

    private void send(WorkloadSnapshot snapshot) {
        List<Any> secrets;
        try {
            secrets = resolver.resolvePacked(lastRequest.getResourceNamesList(), snapshot,
                    ValidationMode.forNode(node, spiffeValidatorDisabled));
        } catch (UnknownNamesException e) {
            LOG.warn("stream={} node={}: {}", id, node.getId(), e.getMessage());
            fail(Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
            return;
        }
        lastNonce = UUID.randomUUID().toString();
        DiscoveryResponse.Builder response = DiscoveryResponse.newBuilder().setVersionInfo(snapshot.versionInfo())
                .setTypeUrl(SdsService.SECRET_TYPE_URL).setNonce(lastNonce);
        response.addAllResources(secrets);
        // One line per stream and update would be a thousand lines per rotation: the service logs a summary instead.
        LOG.debug("stream={} node={} sent version={} names={}", id, node.getId(), snapshot.version(), lastRequest.getResourceNamesList());
        responses.onNext(response.build());
    }

    private void fail(Status status) {
        closed = true;
        onClose.run();
        responses.onError(status.asRuntimeException());
    }

    @Override
    public synchronized void onError(Throwable t) {
        closed = true;
        onClose.run();
        LOG.debug("stream={} ended: {}", id, Status.fromThrowable(t));
    }

    @Override
    public synchronized void onCompleted() {
        closed = true;
        onClose.run();
        responses.onCompleted();
    }

    private static String shorten(String text) {
        return text.length() <= 100 ? text : text.substring(0, 100) + "…";
    }
}
