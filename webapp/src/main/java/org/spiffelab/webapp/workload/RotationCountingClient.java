package org.spiffelab.webapp.workload;

import io.spiffe.bundle.jwtbundle.JwtBundleSet;
import io.spiffe.bundle.x509bundle.X509BundleSet;
import io.spiffe.exception.JwtBundleException;
import io.spiffe.exception.JwtSvidException;
import io.spiffe.exception.X509BundleException;
import io.spiffe.exception.X509ContextException;
import io.spiffe.spiffeid.SpiffeId;
import io.spiffe.svid.jwtsvid.JwtSvid;
import io.spiffe.workloadapi.Watcher;
import io.spiffe.workloadapi.WorkloadApiClient;
import io.spiffe.workloadapi.X509Context;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A Workload API client that counts X.509 context updates on their way to java-spiffe's X509 source, and hands each
 * update's SVID certificate to a listener. The source has no listener API; this lets the page show rotations (and
 * every serial, even one that came and went between two page views) without opening a second stream.
 */
final class RotationCountingClient implements WorkloadApiClient {

    private final WorkloadApiClient delegate;
    private final AtomicLong updates = new AtomicLong();
    private final Consumer<X509Certificate> onSvid;

    RotationCountingClient(WorkloadApiClient delegate, Consumer<X509Certificate> onSvid) {
        this.delegate = delegate;
        this.onSvid = onSvid;
    }

    /** Updates received so far; the first one is the initial SVID, each later one a rotation. */
    long updates() {
        return updates.get();
    }

    @Override
    public void watchX509Context(Watcher<X509Context> watcher) {
        delegate.watchX509Context(new Watcher<>() {
            @Override
            public void onUpdate(X509Context context) {
                updates.incrementAndGet();
                if (context.getDefaultSvid() != null) {
                    onSvid.accept(context.getDefaultSvid().getLeaf());
                }
                watcher.onUpdate(context);
            }

            @Override
            public void onError(Throwable error) {
                watcher.onError(error);
            }
        });
    }

    @Override
    public X509Context fetchX509Context() throws X509ContextException {
        return delegate.fetchX509Context();
    }

    @Override
    public X509BundleSet fetchX509Bundles() throws X509BundleException {
        return delegate.fetchX509Bundles();
    }

    @Override
    public void watchX509Bundles(Watcher<X509BundleSet> watcher) {
        delegate.watchX509Bundles(watcher);
    }

    @Override
    public JwtSvid fetchJwtSvid(String audience, String... extraAudience) throws JwtSvidException {
        return delegate.fetchJwtSvid(audience, extraAudience);
    }

    @Override
    public JwtSvid fetchJwtSvid(SpiffeId subject, String audience, String... extraAudience) throws JwtSvidException {
        return delegate.fetchJwtSvid(subject, audience, extraAudience);
    }

    @Override
    public List<JwtSvid> fetchJwtSvids(String audience, String... extraAudience) throws JwtSvidException {
        return delegate.fetchJwtSvids(audience, extraAudience);
    }

    @Override
    public List<JwtSvid> fetchJwtSvids(SpiffeId subject, String audience, String... extraAudience) throws JwtSvidException {
        return delegate.fetchJwtSvids(subject, audience, extraAudience);
    }

    @Override
    public JwtBundleSet fetchJwtBundles() throws JwtBundleException {
        return delegate.fetchJwtBundles();
    }

    @Override
    public JwtSvid validateJwtSvid(String token, String audience) throws JwtSvidException {
        return delegate.validateJwtSvid(token, audience);
    }

    @Override
    public void watchJwtBundles(Watcher<JwtBundleSet> watcher) {
        delegate.watchJwtBundles(watcher);
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}
