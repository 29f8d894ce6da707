package org.spiffelab.sds.authz;

import io.spiffe.bundle.jwtbundle.JwtBundle;
import io.spiffe.bundle.jwtbundle.JwtBundleSet;
import io.spiffe.spiffeid.TrustDomain;
import java.util.function.Supplier;

/** Where the validator finds a trust domain's JWT bundle. */
@FunctionalInterface
public interface JwtBundles {

    /**
     * @return the trust domain's bundle, or null when it has none
     * @throws NotYetReceived when no bundles have arrived from the Workload API yet
     */
    JwtBundle forTrustDomain(TrustDomain trustDomain) throws NotYetReceived;

    static JwtBundles of(Supplier<JwtBundleSet> sets) {
        return trustDomain -> sets.get().getBundles().get(trustDomain);
    }

    /** No JWT bundles yet: the answer is "retry" (503), not "your trust domain is foreign" (401). */
    final class NotYetReceived extends Exception {
        public NotYetReceived() {
            super("no JWT bundles received from the Workload API yet; retry", null, false, false);
        }
    }
}
