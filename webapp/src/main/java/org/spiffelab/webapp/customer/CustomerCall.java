package org.spiffelab.webapp.customer;

/**
 * One call to customer-service: its result, and the SPIFFE ID the server proved on the connection that answered
 * (null when there was no TLS response: refused, unreachable, or a plain-HTTP sidecar did the mTLS).
 */
public record CustomerCall(PortalResult result, String verifiedPeer) {
}
