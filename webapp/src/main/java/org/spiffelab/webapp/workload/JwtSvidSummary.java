package org.spiffelab.webapp.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * What a JWT-SVID says about itself — its header ({@code alg}, {@code kid}, {@code typ}) and claims ({@code aud},
 * {@code sub}, {@code exp}, {@code iat}) — and nothing that would let anyone use it: neither the signature nor the
 * token is kept. A bearer token shown whole on a page would be a credential handed to whoever reads it.
 *
 * @param problem why there is nothing to show (every other field null), else null
 */
public record JwtSvidSummary(String alg, String kid, String typ, List<String> audience, String subject, String expiresAt,
                             String issuedAt, String problem) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static JwtSvidSummary unavailable(String problem) {
        return new JwtSvidSummary(null, null, null, List.of(), null, null, null, problem);
    }

    /** Decodes the first two parts of a compact JWS; the third, the signature, is never read. */
    public static JwtSvidSummary of(String token) {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            return unavailable("not a compact JWS (" + parts.length + " parts)");
        }
        try {
            JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
            JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            List<String> audience = new ArrayList<>();
            JsonNode aud = claims.path("aud");
            if (aud.isArray()) {
                aud.forEach(a -> audience.add(a.asText()));
            } else if (aud.isTextual()) {
                audience.add(aud.asText());
            }
            return new JwtSvidSummary(text(header, "alg"), text(header, "kid"), text(header, "typ"), List.copyOf(audience),
                    text(claims, "sub"), time(claims, "exp"), time(claims, "iat"), null);
        } catch (IOException | IllegalArgumentException e) {
            return unavailable("its header or claims are not Base64URL JSON");
        }
    }

    private static String text(JsonNode node, String field) {
        return node.hasNonNull(field) ? node.get(field).asText() : null;
    }

    /** A NumericDate as ISO-8601 (seconds since the epoch, as the JWT carries it, are unreadable on a page). */
    private static String time(JsonNode node, String field) {
        return node.path(field).canConvertToLong() ? Instant.ofEpochSecond(node.get(field).asLong()).toString() : null;
    }
}
