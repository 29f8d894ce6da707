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
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams X.509 contexts from the Workload API and keeps the last good one. When the stream fails the last
 * snapshot stays in service and the watcher subscribes again with exponential backoff; SDS streams are not dropped.
 */
public final class WorkloadWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WorkloadWatcher.class);

    private final Supplier<WorkloadApiClient> clients;
    private final String address;
    private final AtomicReference<WorkloadSnapshot> current = new AtomicReference<>();
    private final AtomicLong versions = new AtomicLong();
    private final CopyOnWriteArrayList<SnapshotListener> listeners = new CopyOnWriteArrayList<>();
    private final CountDownLatch first = new CountDownLatch(1);
    private final Backoff backoff = new Backoff("workload-api-retry");
    private volatile WorkloadApiClient client;
    private volatile boolean closed;

    /**
     * @param clients makes a new Workload API client (one per subscription attempt)
     * @param address for messages only
     */
    public WorkloadWatcher(Supplier<WorkloadApiClient> clients, String address) {
        this.clients = clients;
        this.address = address;
    }

    public void addListener(SnapshotListener listener) {
        listeners.add(listener);
    }

    public WorkloadSnapshot current() {
        return current.get();
    }

    public void start() {
        subscribe();
    }

    /** Waits for the first snapshot; false after {@code timeout}. */
    public boolean awaitFirst(Duration timeout) throws InterruptedException {
        return first.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void subscribe() {
        if (closed) {
            return;
        }
        try {
            client = clients.get();
            client.watchX509Context(new Watcher<>() {
                @Override
                public void onUpdate(X509Context context) {
                    backoff.reset();
                    accept(context);
                }

                @Override
                public void onError(Throwable error) {
                    retryLater("the Workload API stream failed: " + error.getMessage());
                }
            });
        } catch (RuntimeException e) {
            retryLater("cannot reach the Workload API: " + e.getMessage());
        }
    }

    private void retryLater(String why) {
        if (closed) {
            return;
        }
        closeClient();
        Duration delay = backoff.schedule(this::subscribe);
        LOG.warn("{} at {}; serving the last secrets{}; retrying in {} ms", why, address,
                current.get() == null ? " (none yet)" : " (version " + current.get().version() + ")", delay.toMillis());
    }

    private void accept(X509Context context) {
        if (context.getX509Svids().isEmpty()) {
            LOG.warn("Workload API update without SVIDs from {}: keeping version {}", address,
                    current.get() == null ? "none" : current.get().version());
            return;
        }
        Map<TrustDomain, X509Bundle> bundles = new HashMap<>(context.getX509BundleSet().getBundles());
        WorkloadSnapshot previous = current.get();
        if (previous != null && WorkloadSnapshot.sameContent(previous, context.getX509Svids(), bundles)) {
            // e.g. the Workload API re-sending its state after a reconnect: nothing for Envoy to apply
            LOG.debug("Workload API update identical to version {}: not announced", previous.version());
            return;
        }
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
                LOG.error("a snapshot listener failed", e);
            }
        }
    }

    private void closeClient() {
        WorkloadApiClient c = client;
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("closing the Workload API client", e);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        backoff.close();
        closeClient();
    }
}
