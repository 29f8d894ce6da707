package org.spiffelab.webapp.tls;

import java.security.cert.CertificateException;

/** The server's certificate did not verify or carried a SPIFFE ID other than the pinned one. */
public final class PeerRejectedException extends CertificateException {

    private final String presented;
    private final String expected;

    PeerRejectedException(String presented, String expected, CertificateException cause) {
        super("server presented " + presented + ", but only " + expected + " is accepted (" + cause.getMessage() + ")", cause);
        this.presented = presented;
        this.expected = expected;
    }

    public String presented() {
        return presented;
    }

    public String expected() {
        return expected;
    }
}
