package org.spiffelab.sds.workload;

import io.spiffe.bundle.x509bundle.X509Bundle;
import io.spiffe.spiffeid.TrustDomain;
import io.spiffe.svid.x509svid.X509Svid;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One update from the Workload API: every SVID of this workload (the first is the default) and every bundle (own and
 * federated), with the version the SDS server announces for it. Immutable; keys live only in memory.
 */
public record WorkloadSnapshot(long version, List<X509Svid> svids, Map<TrustDomain, X509Bundle> bundles) {

    public WorkloadSnapshot {
        svids = List.copyOf(svids);
        TreeMap<TrustDomain, X509Bundle> sorted = new TreeMap<>(Comparator.comparing(TrustDomain::getName));
        sorted.putAll(bundles);
        bundles = java.util.Collections.unmodifiableMap(sorted);
    }

    /** The trust domain of the default SVID: whose bundle {@code ROOTCA} names. */
    public TrustDomain ownTrustDomain() {
        return svids.isEmpty() ? null : svids.get(0).getSpiffeId().getTrustDomain();
    }

    /** The bundle of the own trust domain (of the first SVID): whose bundle {@code ROOTCA} names. */
    public X509Bundle ownBundle() {
        TrustDomain own = ownTrustDomain();
        return own == null ? null : bundles.get(own);
    }

    /** Every other trust domain's bundle, by trust domain name. */
    public List<X509Bundle> federatedBundles() {
        TrustDomain own = ownTrustDomain();
        return bundles.entrySet().stream().filter(e -> !e.getKey().equals(own)).map(Map.Entry::getValue).toList();
    }

    public String versionInfo() {
        return Long.toString(version);
    }
}
