package org.spiffelab.sds.authz;

/** The outcome of checking a request's JWT-SVID. */
public sealed interface Verdict {

    /** Allowed: {@code subject} is the validated SPIFFE ID. */
    record Allowed(String subject) implements Verdict {
    }

    /**
     * Denied with an HTTP status (401: no valid token; 403: valid token, subject not allowed) and a short reason for
     * the response body.
     */
    record Denied(int httpStatus, String reason) implements Verdict {
    }

    static Denied unauthenticated(String reason) {
        return new Denied(401, reason);
    }
}
