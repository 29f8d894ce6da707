package org.spiffelab.sds.authz;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JwtSvidValidatorTest {

    final Tokens tokens = new Tokens();
    final JwtSvidValidator validator = new JwtSvidValidator(tokens::bundles, Tokens.AUDIENCE, Set.of(Tokens.WEBAPP),
            Clock.fixed(Tokens.NOW, ZoneOffset.UTC));

    @Test
    void validTokensOfAnAllowedSubjectPass() {
        assertThat(validator.check("Bearer " + tokens.es256("ec-1", tokens.claims(Tokens.WEBAPP).build())))
                .isEqualTo(new Verdict.Allowed(Tokens.WEBAPP));
        String rs256 = tokens.sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1").build(), tokens.claims(Tokens.WEBAPP).build(),
                tokens.rsa);
        assertThat(validator.check("bearer " + rs256)).isEqualTo(new Verdict.Allowed(Tokens.WEBAPP));
        String manyAudiences = tokens.es256("ec-1", tokens.claims(Tokens.WEBAPP)
                .audience(java.util.List.of("spiffe://example.org/other", Tokens.AUDIENCE)).build());
        assertThat(validator.check("Bearer " + manyAudiences)).isInstanceOf(Verdict.Allowed.class);
    }

    @Test
    void everyBadInputIsDeniedWithItsOwnReason() {
        var good = tokens.claims(Tokens.WEBAPP);
        assertDenied(null, 401, "missing Authorization");
        assertDenied("Basic d2ViYXBwOnNlY3JldA==", 401, "not a Bearer");
        assertDenied("Bearer   ", 401, "empty bearer token");
        assertDenied("Bearer not.a.jwt", 401, "not a JWT");
        assertDenied("Bearer " + Tokens.unsigned(good.build()), 401, "alg none");
        assertDenied("Bearer " + tokens.hs256WithPublicKey(good.build()), 401, "algorithm HS256 is not allowed");
        assertDenied("Bearer " + tokens.es256("ec-unknown", good.build()), 401, "unknown kid");
        assertDenied("Bearer " + tokens.sign(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("ec-1").build(), good.build(), tokens.otherEc),
                401, "bad signature");
        assertDenied("Bearer " + tokens.es256("ec-1", tokens.claims(Tokens.WEBAPP)
                .expirationTime(Date.from(Tokens.NOW.minus(Duration.ofSeconds(1)))).build()), 401, "expired");
        assertDenied("Bearer " + tokens.es256("ec-1", tokens.claims(Tokens.WEBAPP)
                .notBeforeTime(Date.from(Tokens.NOW.plus(Duration.ofMinutes(1)))).build()), 401, "not valid before");
        assertDenied("Bearer " + tokens.es256("ec-1", tokens.claims(Tokens.WEBAPP).audience((String) null).build()), 401, "no aud");
        assertDenied("Bearer " + tokens.es256("ec-1", tokens.claims(Tokens.WEBAPP).audience("spiffe://example.org/ns/demo/sa/payments")
                .build()), 401, "audience does not include");
        assertDenied("Bearer " + tokens.es256("ec-1", tokens.claims("webapp").build()), 401, "not a SPIFFE ID");
        assertDenied("Bearer " + tokens.es256("ec-1", tokens.claims("spiffe://evil.org/ns/demo/sa/webapp").build()), 401,
                "foreign trust domain");
        assertDenied("Bearer " + tokens.es256("ec-1", tokens.claims(Tokens.WEBAPP_2).build()), 403, "is not allowed");
        String huge = tokens.es256("ec-1", tokens.claims(Tokens.WEBAPP).claim("padding", "x".repeat(17 * 1024)).build());
        assertDenied("Bearer " + huge, 401, "larger than 16 KiB");
        // and a few more shapes: no kid, no exp, RSA key with an EC algorithm
        assertDenied("Bearer " + tokens.sign(new JWSHeader.Builder(JWSAlgorithm.ES256).build(), good.build(), tokens.ec), 401, "no kid");
        assertDenied("Bearer " + tokens.es256("ec-1", tokens.claims(Tokens.WEBAPP).expirationTime(null).build()), 401, "no exp");
        assertDenied("Bearer " + tokens.es256("rsa-1", good.build()), 401, "does not match");
    }

    @Test
    void aCachedTokenIsStillCheckedForTimeAndForItsKeyStillBeingInTheBundle() {
        java.util.concurrent.atomic.AtomicReference<java.time.Instant> now = new java.util.concurrent.atomic.AtomicReference<>(Tokens.NOW);
        java.util.concurrent.atomic.AtomicReference<io.spiffe.bundle.jwtbundle.JwtBundleSet> set =
                new java.util.concurrent.atomic.AtomicReference<>(tokens.bundles());
        Clock moving = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public java.time.Instant instant() {
                return now.get();
            }
        };
        JwtSvidValidator cachingValidator = new JwtSvidValidator(set::get, Tokens.AUDIENCE, Set.of(Tokens.WEBAPP), moving);
        String header = "Bearer " + tokens.es256("ec-1", tokens.claims(Tokens.WEBAPP).build());
        assertThat(cachingValidator.check(header)).isInstanceOf(Verdict.Allowed.class);
        assertThat(cachingValidator.check(header)).isInstanceOf(Verdict.Allowed.class);
        now.set(Tokens.NOW.plus(Duration.ofMinutes(6)));
        assertThat(((Verdict.Denied) cachingValidator.check(header)).reason()).contains("expired");
        now.set(Tokens.NOW);
        set.set(io.spiffe.bundle.jwtbundle.JwtBundleSet.of(java.util.List.of(new io.spiffe.bundle.jwtbundle.JwtBundle(
                io.spiffe.spiffeid.TrustDomain.parse("example.org"), java.util.Map.of("rsa-1", tokens.rsa.getPublic())))));
        assertThat(((Verdict.Denied) cachingValidator.check(header)).reason()).contains("unknown kid");
    }

    private void assertDenied(String header, int status, String reason) {
        Verdict verdict = validator.check(header);
        assertThat(verdict).as("header %s", header == null ? "null" : header.substring(0, Math.min(60, header.length())))
                .isInstanceOf(Verdict.Denied.class);
        assertThat(((Verdict.Denied) verdict).httpStatus()).isEqualTo(status);
        assertThat(((Verdict.Denied) verdict).reason()).contains(reason);
    }
}
