package org.spiffelab.webapp.customer;

import java.security.cert.X509Certificate;

/**
 * One call to customer-service: its result, and the SPIFFE ID and leaf certificate the server proved on the connection
 * that answered (both null when there was no TLS response: refused, unreachable, or a plain-HTTP sidecar did the mTLS).
 */
public record CustomerCall(PortalResult result, String verifiedPeer, X509Certificate peerCertificate) {
}
