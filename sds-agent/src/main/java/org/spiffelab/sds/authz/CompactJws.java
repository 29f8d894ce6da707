package org.spiffelab.sds.authz;

import com.nimbusds.jose.Header;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;

/**
 * A JWS in compact serialization (RFC 7515 §7.1), taken apart strictly: exactly three parts, each canonical unpadded
 * Base64URL ({@link Base64UrlStrict}), header and payload UTF-8 JSON objects. The JSON serialization, JWE and
 * unsecured JWTs are refused with their own reasons. Nothing here checks the signature.
 *
 * @param signingInput the ASCII bytes of {@code header.payload}, as signed
 */
record CompactJws(JWSHeader header, JWTClaimsSet claims, byte[] signingInput, byte[] signature) {

    static CompactJws parse(String token) throws Rejected {
        if (token.charAt(0) == '{') {
            throw new Rejected("JWS JSON serialization is not accepted; a JWT-SVID is compact");
        }
        int first = token.indexOf('.');
        int second = first < 0 ? -1 : token.indexOf('.', first + 1);
        if (second < 0) {
            throw new Rejected("not a JWT (a compact JWS has three parts)");
        }
        int third = token.indexOf('.', second + 1);
        if (third >= 0) {
            int dots = (int) token.chars().filter(c -> c == '.').count();
            throw new Rejected(dots == 4 ? "encrypted tokens (JWE) are not JWT-SVIDs" : "not a JWT (" + (dots + 1) + " parts, not three)");
        }
        byte[] headerBytes = Base64UrlStrict.decode(token, 0, first, "header");
        byte[] payloadBytes = Base64UrlStrict.decode(token, first + 1, second, "payload");
        byte[] signature = Base64UrlStrict.decode(token, second + 1, token.length(), "signature");
        JWSHeader header = header(utf8(headerBytes, "header"), token.substring(0, first));
        if (signature.length == 0) {
            throw new Rejected("token has an empty signature");
        }
        JWTClaimsSet claims;
        try {
            claims = JWTClaimsSet.parse(jsonObject(utf8(payloadBytes, "payload"), "claims"));
        } catch (ParseException | RuntimeException e) {
            throw new Rejected("unreadable claims");
        }
        return new CompactJws(header, claims, token.substring(0, second).getBytes(StandardCharsets.US_ASCII), signature);
    }

    private static JWSHeader header(String json, String encoded) throws Rejected {
        Header header;
        try {
            header = Header.parse(jsonObject(json, "JOSE header"), Base64URL.from(encoded));
        } catch (ParseException | RuntimeException e) {
            throw new Rejected("unreadable JOSE header");
        }
        if (header instanceof PlainHeader) {
            throw new Rejected("unsigned token (alg none) is not allowed");
        }
        if (header instanceof JWEHeader) {
            throw new Rejected("encrypted tokens (JWE) are not JWT-SVIDs");
        }
        return (JWSHeader) header;
    }

    /** nimbus reads some non-objects (a JSON array) as an empty object; a JOSE header and JWT claims are objects. */
    private static String jsonObject(String json, String what) throws Rejected {
        if (!json.strip().startsWith("{")) {
            throw new Rejected("unreadable " + what + " (not a JSON object)");
        }
        return json;
    }

    private static String utf8(byte[] bytes, String part) throws Rejected {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new Rejected(part + " part is not UTF-8");
        }
    }
}
