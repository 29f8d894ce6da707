package org.spiffelab.webapp.web;

import io.spiffe.svid.x509svid.X509Svid;
import java.security.cert.X509Certificate;
import org.spiffelab.webapp.config.WebappConfig;
import org.spiffelab.webapp.customer.CustomerCall;
import org.spiffelab.webapp.customer.CustomerServiceClient;
import org.spiffelab.webapp.customer.PortalResult;
import org.spiffelab.webapp.tls.CertificateTimeline;
import org.spiffelab.webapp.workload.JwtSvidSummary;
import org.spiffelab.webapp.workload.WorkloadIdentity;

/** Builds the page's view: our identity, then the customer's data over mTLS. */
public final class Portal {

    private final WebappConfig config;
    private final WorkloadIdentity identity;
    private final CustomerServiceClient customers;
    /** customer-service's certificates as this webapp's connections saw them: its rotations, live. */
    private final CertificateTimeline peers = new CertificateTimeline();

    public Portal(WebappConfig config, WorkloadIdentity identity, CustomerServiceClient customers) {
        this.config = config;
        this.identity = identity;
        this.customers = customers;
    }

    public PortalView view() {
        X509Svid svid = currentSvid();
        if (svid != null) {
            identity.svids().saw(svid.getLeaf());
        }
        CustomerCall call = svid == null
                ? new CustomerCall(new PortalResult.Failure(PortalResult.Reason.NO_SVID,
                        "this webapp holds no SVID yet: is it registered with SPIRE?", 0, ""), null, null)
                : customers.customer(config.customerId());
        if (call.peerCertificate() != null) {
            peers.saw(call.peerCertificate());
        }
        String route = config.viaSidecar()
                ? "via the pod's forward Envoy, which does the mTLS and adds this workload's JWT-SVID"
                : "direct mTLS: this webapp verifies the server's SPIFFE ID";
        // Behind the forward Envoy the request carries a JWT-SVID for customer-service's ID (sds-agent --jwt-audience).
        JwtSvidSummary jwt = config.viaSidecar() && svid != null ? identity.jwtSvid(config.customerServiceId().toString()) : null;
        return new PortalView(config.title(), config.scenario(), identity(svid, call.verifiedPeer(), call.peerCertificate()),
                config.customerServiceUrl().toString(), config.customerServiceId().toString(), route, call.result(),
                identity.svids().entries(), peers.entries(), jwt);
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

    /** @param peerId, peer the server ID and certificate this view's own call verified, never an earlier request's */
    private PortalView.Identity identity(X509Svid svid, String peerId, X509Certificate peer) {
        String peerSerial = peer == null ? null : peer.getSerialNumber().toString(16);
        if (svid == null) {
            return new PortalView.Identity(null, null, null, null, identity.rotations(), peerId, peerSerial);
        }
        return new PortalView.Identity(svid.getSpiffeId().toString(), svid.getSpiffeId().getTrustDomain().toString(),
                svid.getLeaf().getSerialNumber().toString(16), svid.getLeaf().getNotAfter().toInstant().toString(),
                identity.rotations(), peerId, peerSerial);
    }
}
