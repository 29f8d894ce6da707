package org.spiffelab.webapp.testing;

import io.spiffe.bundle.x509bundle.X509Bundle;
import io.spiffe.exception.BundleNotFoundException;
import io.spiffe.spiffeid.TrustDomain;
import io.spiffe.svid.x509svid.X509Svid;
import io.spiffe.workloadapi.X509Source;

/** A hand-written X509 source: the SVID and bundle the test sets, swapped at will to simulate rotation. */
public final class X509SourceStub implements X509Source {

    private volatile X509Svid svid;
    private final X509Bundle bundle;

    public X509SourceStub(X509Svid svid, X509Bundle bundle) {
        this.svid = svid;
        this.bundle = bundle;
    }

    public void rotate(X509Svid next) {
        this.svid = next;
    }

    @Override
    public X509Svid getX509Svid() {
        if (svid == null) {
            throw new IllegalStateException("no X.509 SVID available");
        }
        return svid;
    }

    @Override
    public X509Bundle getBundleForTrustDomain(TrustDomain trustDomain) throws BundleNotFoundException {
        if (!bundle.getTrustDomain().equals(trustDomain)) {
            throw new BundleNotFoundException("no bundle for " + trustDomain);
        }
        return bundle;
    }

    @Override
    public void close() {
    }
}
