package org.spiffelab.webapp.web;

import io.spiffe.svid.x509svid.X509Svid;
import org.spiffelab.webapp.config.WebappConfig;
import org.spiffelab.webapp.customer.CustomerServiceClient;
import org.spiffelab.webapp.customer.PortalResult;
import org.spiffelab.webapp.tls.PinnedPeerTrustManager;
import org.spiffelab.webapp.workload.WorkloadIdentity;

/** Builds the page's view: our identity, then the customer's data over mTLS. */
public final class Portal {

    private final WebappConfig config;
    private final WorkloadIdentity identity;
    private final PinnedPeerTrustManager trust;
    private final CustomerServiceClient customers;

    public Portal(WebappConfig config, WorkloadIdentity identity, PinnedPeerTrustManager trust, CustomerServiceClient customers) {
        this.config = config;
        this.identity = identity;
        this.trust = trust;
        this.customers = customers;
    }

    public PortalView view() {
        X509Svid svid = currentSvid();
        PortalResult result = svid == null
                ? new PortalResult.Failure(PortalResult.Reason.NO_SVID, "this webapp holds no SVID yet: is it registered with SPIRE?", 0, "")
                : customers.customer(config.customerId());
        String route = config.viaSidecar()
                ? "via the pod's forward Envoy, which does the mTLS and adds this workload's JWT-SVID"
                : "direct mTLS: this webapp verifies the server's SPIFFE ID";
        return new PortalView(config.title(), identity(svid), config.customerServiceUrl().toString(),
                config.customerServiceId().toString(), route, result);
    }

    /** Ready once an SVID is held. */
    public boolean ready() {
        return currentSvid() != null;
    }

    public String spiffeId() {
        X509Svid svid = currentSvid();
        return svid == null ? null : svid.getSpiffeId().toString();
    }

    private X509Svid currentSvid() {
        try {
            return identity.svid();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private PortalView.Identity identity(X509Svid svid) {
        if (svid == null) {
            return new PortalView.Identity(null, null, null, null, identity.rotations(), trust.lastVerifiedPeer());
        }
        return new PortalView.Identity(svid.getSpiffeId().toString(), svid.getSpiffeId().getTrustDomain().toString(),
                svid.getLeaf().getSerialNumber().toString(16), svid.getLeaf().getNotAfter().toInstant().toString(),
                identity.rotations(), trust.lastVerifiedPeer());
    }
}
