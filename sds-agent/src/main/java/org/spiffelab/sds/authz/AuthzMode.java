package org.spiffelab.sds.authz;

/** What sds-agent's ext_authz does: nothing, add our JWT-SVID to outgoing requests, or check incoming ones. */
public enum AuthzMode {
    NONE,
    /** Forward proxy: sets {@code authorization: Bearer <our JWT-SVID>}, replacing any header the application set. */
    INJECT,
    /** Reverse proxy: validates the Bearer JWT-SVID and its subject; passes the SPIFFE ID upstream in a trusted header. */
    VALIDATE
}
