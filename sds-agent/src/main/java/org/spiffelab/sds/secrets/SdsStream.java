package org.spiffelab.sds.secrets;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import org.spiffelab.sds.workload.WorkloadSnapshot;

/**
 * One Envoy's StreamSecrets conversation, following the SPIRE agent's state machine:
 * <ul>
 *   <li>once a response was sent, a request whose nonce is not the last one sent is stale and ignored entirely;</li>
 *   <li>a request without a node keeps the node of the last answered request;</li>
 *   <li>a request is answered only when its names differ from the last request's (SPIRE's rule: another count of
 *       names, or a name not asked before) — so an ACK or a NACK of the same names gets no reply;</li>
 *   <li>every Workload API update is pushed at once for the last names, with the next version (a per-stream count of
 *       updates, "1" for the state at connect) and a fresh 8-hex-digit nonce; the response echoes the request's
 *       type_url.</li>
 * </ul>
 * Only what the answer needs is kept (names, type_url, the node's validation mode): a large request is not held.
 * Requests (gRPC threads) and updates (the connection's event loop) meet under this object's lock.
 */
final class SdsStream implements StreamObserver<DiscoveryRequest> {

    private final long id;
    private final StreamObserver<DiscoveryResponse> responses;
    private final SdsService service;
    private final StreamLog log;
    /** The event loop of this stream's connection (null: unknown), where updates are written from. */
    private final Executor loop;

    private WorkloadSnapshot snapshot;
    private long version;
    private String lastNonce;
    /** The validation mode of the last answered request's node; null before any node was seen. */
    private ValidationMode lastNodeMode;
    private String nodeId = "";
    private List<String> names;
    private String typeUrl;
    private ValidationMode mode;
    private boolean closed;

    SdsStream(long id, StreamObserver<DiscoveryResponse> responses, SdsService service, WorkloadSnapshot current,
              Executor loop) {
        this.id = id;
        this.loop = loop;
        this.responses = responses;
        this.service = service;
        this.log = new StreamLog(id);
        if (current != null) {
            snapshot = current;
            version = 1;
        }
    }

    @Override
    public synchronized void onNext(DiscoveryRequest request) {
        if (closed) {
            return;
        }
        Status refused = service.limits().check(request.getResourceNamesList());
        if (refused != null) {
            log.warn("refused: {}", refused.getDescription());
            fail(refused);
            return;
        }
        if (request.hasErrorDetail()) {
            log.warn("NACK node={} names={}: {}", StreamLog.shorten(request.getNode().getId()), StreamLog.names(request.getResourceNamesList()),
                    StreamLog.shorten(request.getErrorDetail().getMessage()));
        }
        if (request.hasNode()) {
            nodeId = StreamLog.shorten(request.getNode().getId());
        }
        ValidationMode requestMode = request.hasNode() ? service.modeFor(request.getNode()) : null;
        if (lastNonce != null) {
            if (!lastNonce.equals(request.getResponseNonce())) {
                log.debug("stale nonce {} (last sent {}): ignored", StreamLog.shorten(request.getResponseNonce()), lastNonce);
                return;
            }
            if (requestMode == null) {
                requestMode = lastNodeMode;
            }
        }
        boolean changed = names == null || namesChanged(names, request.getResourceNamesList());
        names = List.copyOf(request.getResourceNamesList());
        typeUrl = request.getTypeUrl();
        mode = requestMode;
        if (!changed) {
            log.debug("no change (ACK or NACK) version={}", StreamLog.shorten(request.getVersionInfo()));
            return;
        }
        log.info("node={} requests names={}", nodeId, StreamLog.names(names));
        if (snapshot != null) {
            send();
        }
    }

    /** A new Workload API snapshot: count it, and push it if anything was asked for yet. */
    synchronized void push(WorkloadSnapshot update) {
        if (closed || (snapshot != null && update.version() <= snapshot.version())) {
            return;
        }
        snapshot = update;
        version++;
        if (names != null) {
            send();
        }
    }

    private void send() {
        SecretResolver.Resolution resolution = service.resolve(names, snapshot,
                mode == null ? service.modeFor(null) : mode);
        if (resolution.failed()) {
            log.warn("{}: {}", resolution.error().getCode(), resolution.error().getDescription());
            fail(resolution.error());
            return;
        }
        String nonce = service.nextNonce();
        responses.onNext(DiscoveryResponse.newBuilder().setVersionInfo(Long.toString(version)).setTypeUrl(typeUrl)
                .setNonce(nonce).addAllResources(resolution.resources()).build());
        lastNonce = nonce;
        if (mode != null) {
            lastNodeMode = mode;
        }
        log.debug("sent version={} nonce={} resources={}", version, nonce, resolution.resources().size());
    }

    /** SPIRE's subListChanged: another number of names, or a name the last request did not have. */
    static boolean namesChanged(List<String> before, List<String> now) {
        if (before.size() != now.size()) {
            return true;
        }
        Set<String> known = new HashSet<>(before);
        for (String name : now) {
            if (!known.contains(name)) {
                return true;
            }
        }
        return false;
    }

    private void fail(Status status) {
        closed = true;
        service.ended(this);
        responses.onError(status.asRuntimeException());
    }

    @Override
    public synchronized void onError(Throwable t) {
        closed = true;
        service.ended(this);
        log.debug("ended: {}", Status.fromThrowable(t));
    }

    @Override
    public synchronized void onCompleted() {
        closed = true;
        service.ended(this);
        responses.onCompleted();
    }

    long id() {
        return id;
    }

    Executor loop() {
        return loop;
    }
}
