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
    final JwtSvidValidator validator = new JwtSvidValidator(JwtBundles.of(tokens::bundles), Tokens.AUDIENCE, Set.of(Tokens.WEBAPP),
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
        assertDenied("Bearer not-a-jwt", 401, "not a JWT");
        assertDenied("Bearer " + Tokens.unsigned(good.build()), 401, "alg none");
        assertDenied("Bearer " + tokens.hs256WithPublicKey(good.build()), 401, "algorithm HS256 is not allowed");
        assertDenied("Bearer " + tokens.es256("ec-unknown", good.build()), 401, "unknown kid");
        assertDenied("Bearer " + tokens.sign(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("ec-1").build(), good.build(), tokens.otherEc),
                401, "bad signature");
        assertDenied("Bearer " + tokens.es256("ec-1", tokens.claims(Tokens.WEBAPP)
                .expirationTime(Date.from(Tokens.NOW.minus(JwtSvidValidator.CLOCK_SKEW))).build()), 401, "expired");
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

    /** The genuine-token tamperings the issue found allowed: each decodes (leniently) to the genuine bytes. */
    @Test
    void aGenuineTokenWrittenAnyOtherWayIsRefusedWithItsOwnReason() {
        String genuine = tokens.es256("ec-1", tokens.claims(Tokens.WEBAPP).build());
        String signature = Tokens.part(genuine, 2);
        assertThat(validator.check("Bearer " + genuine)).isInstanceOf(Verdict.Allowed.class);
        for (String junk : new String[] {"!", "*", "%", "~", " ", "\t", "+", "/", "\u00e9", "\u0000"}) {
            assertDenied("Bearer " + genuine + junk, 401, "signature part: character");
            assertDenied("Bearer " + Tokens.withPart(genuine, 2, signature.substring(0, 20) + junk + signature.substring(20)), 401,
                    "signature part: character");
        }
        assertThat(signature.length() % 4).as("ES256: 64 bytes are 86 characters").isEqualTo(2);
        assertDenied("Bearer " + genuine + "==", 401, "signature part: padding '=' is not allowed");
        assertDenied("Bearer " + genuine + "=", 401, "signature part: padding '=' is not allowed");
        assertDenied("Bearer " + Tokens.withPart(genuine, 2, nonCanonicalLast(signature)), 401,
                "signature part: non-canonical Base64URL");
        // the standard alphabet's + and / decode to the same bytes as - and _ in lenient decoders
        String withStandardAlphabet = genuine.replace('-', '+').replace('_', '/');
        if (!withStandardAlphabet.equals(genuine)) {
            assertDenied("Bearer " + withStandardAlphabet, 401, "is not Base64URL");
        }
        // the same rules for the header and payload parts
        String header = Tokens.part(genuine, 0);
        assertDenied("Bearer " + Tokens.withPart(genuine, 0, header + "=="), 401, "header part: padding");
        assertDenied("Bearer " + Tokens.withPart(genuine, 1, " " + Tokens.part(genuine, 1)), 401, "payload part: character U+0020");
        String payload = Tokens.part(genuine, 1);
        assertDenied("Bearer " + Tokens.withPart(genuine, 1, payload + "A".repeat((5 - payload.length() % 4) % 4)), 401,
                "is not a possible Base64URL length");
        // serializations other than compact
        assertDenied("Bearer {\"payload\":\"e30\",\"signatures\":[]}", 401, "JSON serialization is not accepted");
        assertDenied("Bearer " + genuine + ".AAAA.AAAA", 401, "encrypted tokens (JWE)");
        assertDenied("Bearer " + genuine + ".AAAA", 401, "4 parts, not three");
        assertDenied("Bearer " + header + "." + Tokens.part(genuine, 1), 401, "three parts");
        assertDenied("Bearer " + Tokens.withPart(genuine, 2, ""), 401, "empty signature");
    }

    /** The last character with an unused low bit set: the same bytes to a lenient decoder, a second spelling. */
    private static String nonCanonicalLast(String part) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        int value = alphabet.indexOf(part.charAt(part.length() - 1));
        int unusedBits = part.length() % 4 == 2 ? 4 : 2;
        return part.substring(0, part.length() - 1) + alphabet.charAt(value | (1 << unusedBits) - 1);
    }

    @Test
    void subjectsMustBeSpiffeIdsExactlyAsTheSpecWritesThemNeverNormalised() {
        String path = "/ns/demo/sa/webapp";
        assertDenied(signedFor("spiffe://EXAMPLE.ORG" + path), 401, "trust domain must be lowercase");
        assertDenied(signedFor("spiffe://Example.Org" + path), 401, "trust domain must be lowercase");
        assertDenied(signedFor("SPIFFE://example.org" + path), 401, "scheme must be lowercase");
        assertDenied(signedFor("Spiffe://example.org" + path), 401, "scheme must be lowercase");
        assertDenied(signedFor(Tokens.WEBAPP + "/"), 401, "empty segment");
        assertDenied(signedFor("spiffe://example.org//ns/demo/sa/webapp"), 401, "empty segment");
        assertDenied(signedFor("spiffe://example.org/ns/./sa/webapp"), 401, "relative segment");
        assertDenied(signedFor("spiffe://example.org/ns/demo/sa/../sa/webapp"), 401, "relative segment");
        assertDenied(signedFor("spiffe://example.org/ns/demo/sa/web%61pp"), 401, "path has a character");
        assertDenied(signedFor("spiffe://example.org:443/ns/demo/sa/webapp"), 401, "trust domain has a character");
        assertDenied(signedFor("spiffe://user@example.org/ns/demo/sa/webapp"), 401, "trust domain has a character");
        assertDenied(signedFor(Tokens.WEBAPP + "?x=1"), 401, "path has a character");
        assertDenied(signedFor("spiffe://"), 401, "no trust domain");
        assertDenied(signedFor("spiffe:///ns/demo"), 401, "no trust domain");
        assertDenied(signedFor(""), 401, "no spiffe:// scheme");
        assertDenied(signedFor("spiffe://example.org/" + "a".repeat(2100)), 401, "longer than 2048");
        // uppercase in the path is the workload's own business: valid, and compared byte for byte
        assertDenied(signedFor("spiffe://example.org/ns/demo/sa/WEBAPP"), 403, "is not allowed");
    }

    @Test
    void timeClaimsAllowTheDocumentedClockSkewAndNotASecondMore() {
        Duration skew = JwtSvidValidator.CLOCK_SKEW;
        assertThat(skew).isEqualTo(Duration.ofSeconds(30));
        assertAllowed(tokens.claims(Tokens.WEBAPP).expirationTime(at(skew.minusSeconds(1).negated())));
        assertDenied(token(tokens.claims(Tokens.WEBAPP).expirationTime(at(skew.negated()))), 401, "expired");
        assertAllowed(tokens.claims(Tokens.WEBAPP).notBeforeTime(at(skew)));
        assertDenied(token(tokens.claims(Tokens.WEBAPP).notBeforeTime(at(skew.plusSeconds(1)))), 401, "not valid before");
        assertAllowed(tokens.claims(Tokens.WEBAPP).issueTime(at(skew)));
        assertDenied(token(tokens.claims(Tokens.WEBAPP).issueTime(at(skew.plusSeconds(1)))), 401, "issued in the future");
        assertDenied(token(tokens.claims(Tokens.WEBAPP).issueTime(at(Duration.ofDays(3653)))), 401, "issued in the future");
    }

    @Test
    void headerParametersWeDoNotUnderstandAreRefused() {
        var claims = tokens.claims(Tokens.WEBAPP).build();
        assertDenied("Bearer " + tokens.sign(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("ec-1")
                .criticalParams(Set.of("exp")).build(), claims, tokens.ec), 401, "critical header parameters");
        assertDenied("Bearer " + tokens.sign(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("ec-1")
                .type(new com.nimbusds.jose.JOSEObjectType("at+jwt")).build(), claims, tokens.ec), 401, "neither JWT nor JOSE");
        assertThat(validator.check("Bearer " + tokens.sign(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("ec-1")
                .type(com.nimbusds.jose.JOSEObjectType.JOSE).build(), claims, tokens.ec))).isInstanceOf(Verdict.Allowed.class);
        String notUtf8 = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[] {'{', (byte) 0xff, '}'});
        assertDenied("Bearer " + Tokens.withPart(tokens.es256("ec-1", claims), 1, notUtf8), 401, "payload part is not UTF-8");
        assertDenied("Bearer " + Tokens.withPart(tokens.es256("ec-1", claims), 1, "W10"), 401, "unreadable claims");
        assertDenied("Bearer " + Tokens.withPart(tokens.es256("ec-1", claims), 0, "W10"), 401, "unreadable JOSE header");
    }

    /** Decided: SPIRE's Go signer does not normalise s, so both s and n − s verify (the class comment says why). */
    @Test
    void theHighSTwinOfAGenuineTokenIsAcceptedAsTheSameIdentity() {
        String genuine = tokens.es256("ec-1", tokens.claims(Tokens.WEBAPP).build());
        String twin = Tokens.highSTwin(genuine);
        assertThat(twin).isNotEqualTo(genuine);
        assertThat(validator.check("Bearer " + twin)).isEqualTo(new Verdict.Allowed(Tokens.WEBAPP));
        assertThat(validator.check("Bearer " + Tokens.highSTwin(tokens.es256("ec-1", tokens.claims(Tokens.WEBAPP_2).build()))))
                .isEqualTo(new Verdict.Denied(403, "subject " + Tokens.WEBAPP_2 + " is not allowed"));
    }

    private String signedFor(String subject) {
        return "Bearer " + tokens.es256("ec-1", tokens.claims(Tokens.WEBAPP).subject(subject).build());
    }

    private String token(com.nimbusds.jwt.JWTClaimsSet.Builder claims) {
        return "Bearer " + tokens.es256("ec-1", claims.build());
    }

    private void assertAllowed(com.nimbusds.jwt.JWTClaimsSet.Builder claims) {
        assertThat(validator.check(token(claims))).isEqualTo(new Verdict.Allowed(Tokens.WEBAPP));
    }

    private static Date at(Duration fromNow) {
        return Date.from(Tokens.NOW.plus(fromNow));
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
        JwtSvidValidator cachingValidator = new JwtSvidValidator(JwtBundles.of(set::get), Tokens.AUDIENCE, Set.of(Tokens.WEBAPP), moving);
        String header = "Bearer " + tokens.es256("ec-1", tokens.claims(Tokens.WEBAPP).build());
        assertThat(cachingValidator.check(header)).isInstanceOf(Verdict.Allowed.class);
        assertThat(cachingValidator.check(header)).isInstanceOf(Verdict.Allowed.class);
        now.set(Tokens.NOW.plus(Duration.ofMinutes(5)).plus(JwtSvidValidator.CLOCK_SKEW));
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
