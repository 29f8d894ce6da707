package org.spiffelab.sds.authz;

import io.spiffe.bundle.jwtbundle.JwtBundle;
import io.spiffe.exception.BundleNotFoundException;
import io.spiffe.spiffeid.TrustDomain;
import io.spiffe.workloadapi.DefaultJwtSource;
import io.spiffe.workloadapi.JwtSource;
import io.spiffe.workloadapi.JwtSourceOptions;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spiffelab.sds.workload.Backoff;

/**
 * The JWT bundles for validate mode: java-spiffe's {@link DefaultJwtSource} (it watches the bundles, and its client
 * reconnects with backoff, keeping the last set), created off the main thread, so the SDS side serves meanwhile.
 * It waits for the first update without a timeout (a timeout would discard a source whose first update races it; the
 * client retries underneath) and warns after {@code warnAfter} that it is still waiting. {@code onReady} runs once,
 * when the first bundles are held.
 */
public final class JwtBundleSource implements JwtBundles, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JwtBundleSource.class);

    private final String address;
    private final Duration warnAfter;
    private final Runnable onReady;
    private final Backoff backoff = new Backoff("jwt-bundles");
    private volatile JwtSource source;
    private volatile boolean closed;

    public JwtBundleSource(String address, Duration warnAfter, Runnable onReady) {
        this.address = address;
        this.warnAfter = warnAfter;
        this.onReady = onReady;
    }

    public void start() {
        Thread connecting = new Thread(this::connect, "jwt-bundles-connect");
        connecting.setDaemon(true);
        connecting.start();
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(warnAfter.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            if (!held() && !closed) {
                LOG.warn("no JWT bundles from {} after {} s: is this workload registered? Still waiting; Check answers 503 meanwhile",
                        address, warnAfter.toSeconds());
            }
        }, "jwt-bundles-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    public boolean held() {
        return source != null;
    }

    private void connect() {
        if (closed) {
            return;
        }
        try {
            JwtSource created = DefaultJwtSource.newSource(JwtSourceOptions.builder().spiffeSocketPath(address)
                    .initTimeout(Duration.ZERO).build());
            try {
                created.getBundleForTrustDomain(TrustDomain.parse("probe.invalid"));
            } catch (BundleNotFoundException expected) {
                // a set is held (without our probe's trust domain in it)
            } catch (RuntimeException e) {
                // the watch ended in an error before any update: no set at all
                created.close();
                throw new IllegalStateException("the JWT bundle stream failed before its first update", e);
            }
            if (closed) {
                created.close();
                return;
            }
            source = created;
            LOG.info("JWT bundles held from {}", address);
            onReady.run();
        } catch (Exception e) {
            Duration delay = backoff.schedule(this::connect);
            LOG.warn("no JWT bundles from {} ({}); retrying in {} ms", address, e.getCause() != null ? e.getCause() : e.getMessage(),
                    delay.toMillis());
        }
    }

    @Override
    public JwtBundle forTrustDomain(TrustDomain trustDomain) throws NotYetReceived {
        JwtSource current = source;
        if (current == null) {
            throw new NotYetReceived();
        }
        try {
            return current.getBundleForTrustDomain(trustDomain);
        } catch (BundleNotFoundException e) {
            return null;
        }
    }

    @Override
    public void close() {
        closed = true;
        backoff.close();
        JwtSource current = source;
        if (current != null) {
            try {
                current.close();
            } catch (java.io.IOException e) {
                LOG.debug("closing the JWT source", e);
            }
        }
    }
}
