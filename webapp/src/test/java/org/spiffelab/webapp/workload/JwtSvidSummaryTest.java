package org.spiffelab.webapp.workload;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class JwtSvidSummaryTest {

    static final String SIGNATURE = "c2lnbmF0dXJlLW5ldmVyLXNob3du";

    /** A compact JWS as SPIRE shapes a JWT-SVID; the signature is made up (nothing here verifies it). */
    static String token(String claims) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"ES256\",\"kid\":\"k7Tq\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + "." + SIGNATURE;
    }

    @Test
    void headerAndClaimsAreReadTheSignatureIsNot() {
        JwtSvidSummary jwt = JwtSvidSummary.of(token("{\"aud\":[\"spiffe://example.org/ns/demo/sa/customer-service\"],"
                + "\"exp\":1795600000,\"iat\":1795599700,\"sub\":\"spiffe://example.org/ns/demo/sa/webapp\"}"));
        assertThat(jwt).isEqualTo(new JwtSvidSummary("ES256", "k7Tq", "JWT", List.of("spiffe://example.org/ns/demo/sa/customer-service"),
                "spiffe://example.org/ns/demo/sa/webapp", "2026-11-25T09:46:40Z", "2026-11-25T09:41:40Z", null));
        assertThat(jwt.toString()).doesNotContain(SIGNATURE);
    }

    @Test
    void aSingleAudienceStringIsAnAudienceToo() {
        assertThat(JwtSvidSummary.of(token("{\"aud\":\"a\",\"sub\":\"spiffe://example.org/x\"}")).audience()).containsExactly("a");
    }

    @Test
    void whatIsNotAJwsIsSaidSo() {
        assertThat(JwtSvidSummary.of("a.b").problem()).contains("2 parts");
        assertThat(JwtSvidSummary.of("%%%.e30." + SIGNATURE).problem()).contains("Base64URL JSON");
    }
}
