package org.spiffelab.sds.authz;

import io.spiffe.bundle.jwtbundle.JwtBundleSet;
import io.spiffe.workloadapi.Watcher;
import io.spiffe.workloadapi.WorkloadApiClient;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spiffelab.sds.workload.Backoff;

/** The JWT bundles (keys by kid, per trust domain) streamed from the Workload API; the last good set survives an outage. */
public final class JwtBundleWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JwtBundleWatcher.class);

    private final Supplier<WorkloadApiClient> clients;
    private final Backoff backoff = new Backoff("jwt-bundles-retry");
    private final CountDownLatch first = new CountDownLatch(1);
    private volatile JwtBundleSet current = JwtBundleSet.emptySet();
    private volatile WorkloadApiClient client;
    private volatile boolean closed;

    public JwtBundleWatcher(Supplier<WorkloadApiClient> clients) {
        this.clients = clients;
    }

    public JwtBundleSet current() {
        return current;
    }

    public void start() {
        if (closed) {
            return;
        }
        try {
            client = clients.get();
            client.watchJwtBundles(new Watcher<>() {
                @Override
                public void onUpdate(JwtBundleSet bundles) {
                    backoff.reset();
                    current = bundles;
                    first.countDown();
                    LOG.info("JWT bundles: {}", bundles.getBundles().keySet());
                }

                @Override
                public void onError(Throwable error) {
                    retry(error.getMessage());
                }
            });
        } catch (RuntimeException e) {
            retry(e.getMessage());
        }
    }

    public boolean awaitFirst(Duration timeout) throws InterruptedException {
        return first.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void retry(String why) {
        if (closed) {
            return;
        }
        try {
            if (client != null) {
                client.close();
            }
        } catch (Exception e) {
            LOG.debug("closing the Workload API client", e);
        }
        Duration delay = backoff.schedule(this::start);
        LOG.warn("JWT bundle stream failed ({}); keeping {} trust domains, retrying in {} ms", why,
                current.getBundles().size(), delay.toMillis());
    }

    @Override
    public void close() throws Exception {
        closed = true;
        backoff.close();
        if (client != null) {
            client.close();
        }
    }
}
