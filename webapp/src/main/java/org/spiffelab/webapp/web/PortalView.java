package org.spiffelab.webapp.web;

import java.util.List;
import org.spiffelab.webapp.config.Scenario;
import org.spiffelab.webapp.customer.PortalResult;
import org.spiffelab.webapp.tls.CertificateTimeline;
import org.spiffelab.webapp.workload.JwtSvidSummary;

/**
 * Everything the page shows: which lab it belongs to, who this webapp is, whom it talked to, the certificates of both
 * over time, and the customer's data or why there is none.
 *
 * @param scenario           null when the webapp was not told (LAB_SCENARIO unset)
 * @param svids              this workload's last X.509-SVIDs, newest first
 * @param peerCertificates   the certificates customer-service presented on this webapp's connections, newest first
 *                           (empty behind a forward Envoy: the webapp then sees no server certificate)
 * @param jwtSvid            this workload's JWT-SVID's header and claims when its requests carry one (scenario jwt), else null
 */
public record PortalView(String title, Scenario scenario, Identity identity, String customerServiceUrl, String expectedPeer,
                         String route, PortalResult result, List<CertificateTimeline.Entry> svids,
                         List<CertificateTimeline.Entry> peerCertificates, JwtSvidSummary jwtSvid) {

    /**
     * @param spiffeId   null while no SVID is held
     * @param peer       the SPIFFE ID customer-service proved on the connection that answered this view's call, or null
     * @param peerSerial that connection's server certificate serial (hex), or null
     */
    public record Identity(String spiffeId, String trustDomain, String serial, String notAfter, long rotations, String peer,
                           String peerSerial) {
    }
}
