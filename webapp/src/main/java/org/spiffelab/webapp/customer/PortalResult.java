package org.spiffelab.webapp.customer;

import com.fasterxml.jackson.databind.JsonNode;

/** What a call to customer-service gave: the customer's data, or a failure explained in plain words. */
public sealed interface PortalResult {

    /** @param authorizedSubject the SPIFFE ID customer-service's JWT check authorized (scenario jwt), or null */
    record Data(JsonNode profile, JsonNode balance, JsonNode transactions, String authorizedSubject) implements PortalResult {
    }

    /**
     * @param status the HTTP status when there was a response, else 0
     * @param body   the response body when there was one, else ""
     */
    record Failure(Reason reason, String message, int status, String body) implements PortalResult {
    }

    enum Reason {
        /** customer-service's policy answered 403. */
        DENIED_BY_POLICY,
        /** customer-service answered 401: no valid JWT-SVID. */
        NOT_AUTHENTICATED,
        /** Another HTTP error status. */
        HTTP_ERROR,
        /** We refused the server: its SPIFFE ID is not the pinned one, or its chain does not verify. */
        SERVER_NOT_TRUSTED,
        /** The TLS handshake failed otherwise, e.g. the server refused our certificate. */
        TLS_HANDSHAKE_FAILED,
        /** No connection. */
        UNREACHABLE,
        /** We hold no SVID yet. */
        NO_SVID
    }
}
