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
 * reconnects with backoff, keeping the last set), created off the main thread and retried until the Workload API
 * answers, so the SDS side serves meanwhile. {@code onReady} runs once, when the first bundles are held.
 */
public final class JwtBundleSource implements JwtBundles, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JwtBundleSource.class);

    private final String address;
    private final Duration initTimeout;
    private final Runnable onReady;
    private final Backoff backoff = new Backoff("jwt-bundles");
    private volatile JwtSource source;
    private volatile boolean closed;

    public JwtBundleSource(String address, Duration initTimeout, Runnable onReady) {
        this.address = address;
        this.initTimeout = initTimeout;
        this.onReady = onReady;
    }

    public void start() {
        backoff.schedule(this::connect);
    }

    public boolean held() {
        return source != null;
    }

    private void connect() {
        if (closed) {
            return;
        }
        try {
            JwtSource created = DefaultJwtSource.newSource(JwtSourceOptions.builder().spiffeSocketPath(address).initTimeout(initTimeout).build());
            if (closed) {
                created.close();
                return;
            }
            source = created;
            LOG.info("JWT bundles held from {}", address);
            onReady.run();
        } catch (Exception e) {
            Duration delay = backoff.schedule(this::connect);
            LOG.warn("no JWT bundles from {} within {} s ({}); retrying in {} ms: is this workload registered?", address,
                    initTimeout.toSeconds(), e.getMessage(), delay.toMillis());
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
