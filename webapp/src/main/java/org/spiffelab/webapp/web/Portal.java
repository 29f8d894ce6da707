package org.spiffelab.webapp.web;

import io.spiffe.svid.x509svid.X509Svid;
import org.spiffelab.webapp.config.WebappConfig;
import org.spiffelab.webapp.customer.CustomerCall;
import org.spiffelab.webapp.customer.CustomerServiceClient;
import org.spiffelab.webapp.customer.PortalResult;
import org.spiffelab.webapp.workload.WorkloadIdentity;

/** Builds the page's view: our identity, then the customer's data over mTLS. */
public final class Portal {

    private final WebappConfig config;
    private final WorkloadIdentity identity;
    private final CustomerServiceClient customers;

    public Portal(WebappConfig config, WorkloadIdentity identity, CustomerServiceClient customers) {
        this.config = config;
        this.identity = identity;
        this.customers = customers;
    }

    public PortalView view() {
        X509Svid svid = currentSvid();
        CustomerCall call = svid == null
                ? new CustomerCall(new PortalResult.Failure(PortalResult.Reason.NO_SVID,
                        "this webapp holds no SVID yet: is it registered with SPIRE?", 0, ""), null)
                : customers.customer(config.customerId());
        String route = config.viaSidecar()
                ? "via the pod's forward Envoy, which does the mTLS and adds this workload's JWT-SVID"
                : "direct mTLS: this webapp verifies the server's SPIFFE ID";
        return new PortalView(config.title(), identity(svid, call.verifiedPeer()), config.customerServiceUrl().toString(),
                config.customerServiceId().toString(), route, call.result());
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

    /** @param peer the server this view's own call verified, never an earlier request's */
    private PortalView.Identity identity(X509Svid svid, String peer) {
        if (svid == null) {
            return new PortalView.Identity(null, null, null, null, identity.rotations(), peer);
        }
        return new PortalView.Identity(svid.getSpiffeId().toString(), svid.getSpiffeId().getTrustDomain().toString(),
                svid.getLeaf().getSerialNumber().toString(16), svid.getLeaf().getNotAfter().toInstant().toString(),
                identity.rotations(), peer);
    }
}
