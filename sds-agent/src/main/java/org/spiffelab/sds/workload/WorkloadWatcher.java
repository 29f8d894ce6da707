package org.spiffelab.sds.workload;

import io.spiffe.bundle.x509bundle.X509Bundle;
import io.spiffe.spiffeid.TrustDomain;
import io.spiffe.workloadapi.Watcher;
import io.spiffe.workloadapi.WorkloadApiClient;
import io.spiffe.workloadapi.X509Context;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams X.509 contexts from the Workload API and keeps the last good one. java-spiffe reconnects a failed stream
 * by itself with its backoff ({@link WorkloadApi#BACKOFF}); meanwhile the last snapshot stays in service and SDS
 * streams are not dropped.
 */
public final class WorkloadWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WorkloadWatcher.class);

    private final WorkloadApiClient client;
    private final String address;
    private final AtomicReference<WorkloadSnapshot> current = new AtomicReference<>();
    private final AtomicLong versions = new AtomicLong();
    private final CopyOnWriteArrayList<SnapshotListener> listeners = new CopyOnWriteArrayList<>();
    private final CountDownLatch first = new CountDownLatch(1);

    /**
     * @param client  the Workload API client (closed with this watcher)
     * @param address for messages only
     */
    public WorkloadWatcher(WorkloadApiClient client, String address) {
        this.client = client;
        this.address = address;
    }

    public void addListener(SnapshotListener listener) {
        listeners.add(listener);
    }

    public WorkloadSnapshot current() {
        return current.get();
    }

    public void start() {
        client.watchX509Context(new Watcher<>() {
            @Override
            public void onUpdate(X509Context context) {
                accept(context);
            }

            @Override
            public void onError(Throwable error) {
                // java-spiffe calls this only when it stops retrying (e.g. INVALID_ARGUMENT): nothing will come any more.
                LOG.error("Workload API at {}: {}; no more updates will arrive, serving the last secrets{}", address,
                        JavaSpiffeLogging.cause(error.getCause() == null ? error : error.getCause()),
                        current.get() == null ? " (none)" : " (version " + current.get().version() + ")");
            }
        });
    }

    /** Waits for the first snapshot; false after {@code timeout}. */
    public boolean awaitFirst(Duration timeout) throws InterruptedException {
        return first.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void accept(X509Context context) {
        if (context.getX509Svids().isEmpty()) {
            LOG.warn("Workload API update without SVIDs from {}: keeping version {}", address,
                    current.get() == null ? "none" : current.get().version());
            return;
        }
        Map<TrustDomain, X509Bundle> bundles = new HashMap<>(context.getX509BundleSet().getBundles());
        // Every update is announced, unchanged content too: the SPIRE agent pushes every cache update to its SDS
        // streams with the next version, and the Workload API stream carries exactly those updates.
        WorkloadSnapshot snapshot = new WorkloadSnapshot(versions.incrementAndGet(), context.getX509Svids(), bundles);
        current.set(snapshot);
        LOG.info("Workload API update: version={} svids={} bundles={}", snapshot.version(),
                snapshot.svids().stream().map(s -> s.getSpiffeId() + "#" + s.getLeaf().getSerialNumber().toString(16)).toList(),
                snapshot.bundles().keySet());
        first.countDown();
        for (SnapshotListener listener : listeners) {
            try {
                listener.onSnapshot(snapshot);
            } catch (RuntimeException e) {
                LOG.error("a snapshot listener failed: {}", e.toString());
            }
        }
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (Exception e) {
            LOG.debug("closing the Workload API client: {}", e.toString());
        }
    }
}
