package org.spiffelab.webapp.web;

import org.spiffelab.webapp.customer.PortalResult;

/** Everything the page shows: who this webapp is, whom it talked to, and the customer's data or why there is none. */
public record PortalView(String title, Identity identity, String customerServiceUrl, String expectedPeer, String route,
                         PortalResult result) {

    /**
     * @param spiffeId   null while no SVID is held
     * @param peer       the SPIFFE ID customer-service proved on the connection that answered this view's call, or null
     */
    public record Identity(String spiffeId, String trustDomain, String serial, String notAfter, long rotations, String peer) {
    }
}
