package org.spiffelab.sds.authz;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.spiffe.bundle.jwtbundle.JwtBundle;
import io.spiffe.bundle.jwtbundle.JwtBundleSet;
import io.spiffe.spiffeid.SpiffeId;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Validates a JWT-SVID locally against the JWT bundles from the Workload API, then authorizes its subject.
 * Each check has its own reason; only a token that passes every one is allowed:
 * Bearer scheme · size ≤ 16 KiB · a signed JWS (never {@code alg: none}) · an asymmetric algorithm from the allow-list
 * (so an HMAC "signed" with a public key is refused) · a SPIFFE ID subject · a bundle for its trust domain · a {@code kid}
 * in that bundle whose key type fits the algorithm · a valid signature · {@code exp} in the future · {@code nbf}, if
 * present, not in the future · {@code aud} containing our audience · finally the subject on the allow-list (else 403).
 */
public final class JwtSvidValidator {

    static final int MAX_TOKEN_CHARS = 16 * 1024;
    static final Set<JWSAlgorithm> ALLOWED_ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512);

    private static final int MAX_CACHED = 1024;

    private final Supplier<JwtBundleSet> bundles;
    private final String audience;
    private final Set<String> allowedSubjects;
    private final Clock clock;
    /**
     * Tokens whose signature already verified, with what was checked against which key. A caller sends the same
     * token until it renews it, so parsing and signature checks run once per token; the time, audience, key and
     * allow-list checks still run on every request.
     */
    private final java.util.concurrent.ConcurrentHashMap<String, Verified> verified = new java.util.concurrent.ConcurrentHashMap<>();

    private record Verified(SpiffeId subject, String kid, PublicKey key, Date exp, Date nbf, List<String> audiences) {
    }

    public JwtSvidValidator(Supplier<JwtBundleSet> bundles, String audience, Set<String> allowedSubjects, Clock clock) {
        this.bundles = bundles;
        this.audience = audience;
        this.allowedSubjects = Set.copyOf(allowedSubjects);
        this.clock = clock;
    }

    /** @param authorization the request's Authorization header, or null */
    public Verdict check(String authorization) {
        if (authorization == null) {
            return Verdict.unauthenticated("missing Authorization header");
        }
        if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Verdict.unauthenticated("Authorization is not a Bearer token");
        }
        String token = authorization.substring(7).strip();
        if (token.isEmpty()) {
            return Verdict.unauthenticated("empty bearer token");
        }
        if (token.length() > MAX_TOKEN_CHARS) {
            return Verdict.unauthenticated("token larger than 16 KiB");
        }
        Verified cached = verified.get(token);
        if (cached != null) {
            JwtBundle bundle = bundles.get().getBundles().get(cached.subject().getTrustDomain());
            if (bundle != null && cached.key().equals(bundle.getJwtAuthorities().get(cached.kid()))) {
                return decide(cached);
            }
            verified.remove(token);   // the key left the bundle: check from scratch
        }
        JWT jwt;
        try {
            jwt = JWTParser.parse(token);
        } catch (ParseException | RuntimeException e) {
            return Verdict.unauthenticated("not a JWT");
        }
        if (jwt instanceof PlainJWT) {
            return Verdict.unauthenticated("unsigned token (alg none) is not allowed");
        }
        if (!(jwt instanceof SignedJWT signed)) {
            return Verdict.unauthenticated("encrypted tokens are not JWT-SVIDs");
        }
        JWSAlgorithm algorithm = signed.getHeader().getAlgorithm();
        if (!ALLOWED_ALGORITHMS.contains(algorithm)) {
            return Verdict.unauthenticated("algorithm " + algorithm + " is not allowed");
        }
        JWTClaimsSet claims;
        try {
            claims = signed.getJWTClaimsSet();
        } catch (ParseException | RuntimeException e) {
            return Verdict.unauthenticated("unreadable claims");
        }
        SpiffeId subject;
        try {
            subject = SpiffeId.parse(claims.getSubject());
        } catch (RuntimeException e) {
            return Verdict.unauthenticated("subject is not a SPIFFE ID");
        }
        JwtBundle bundle = bundles.get().getBundles().get(subject.getTrustDomain());
        if (bundle == null) {
            return Verdict.unauthenticated("no JWT bundle for trust domain " + subject.getTrustDomain() + " (foreign trust domain)");
        }
        String kid = signed.getHeader().getKeyID();
        if (kid == null || kid.isEmpty()) {
            return Verdict.unauthenticated("token has no kid");
        }
        PublicKey key = bundle.getJwtAuthorities().get(kid);
        if (key == null) {
            return Verdict.unauthenticated("unknown kid");
        }
        JWSVerifier verifier;
        try {
            verifier = verifierFor(algorithm, key);
        } catch (JOSEException e) {
            return Verdict.unauthenticated("key unusable: " + e.getMessage());
        }
        if (verifier == null) {
            return Verdict.unauthenticated("algorithm " + algorithm + " does not match the " + key.getAlgorithm() + " key of kid");
        }
        try {
            if (!signed.verify(verifier)) {
                return Verdict.unauthenticated("bad signature");
            }
        } catch (JOSEException | RuntimeException e) {
            return Verdict.unauthenticated("bad signature");
        }
        Verified checked = new Verified(subject, kid, key, claims.getExpirationTime(), claims.getNotBeforeTime(),
                claims.getAudience() == null ? List.of() : List.copyOf(claims.getAudience()));
        if (verified.size() >= MAX_CACHED) {
            verified.clear();
        }
        verified.put(token, checked);
        return decide(checked);
    }

    /** The checks that depend on time and configuration: run for every request, cached or not. */
    private Verdict decide(Verified token) {
        Instant now = clock.instant();
        if (token.exp() == null) {
            return Verdict.unauthenticated("token has no exp");
        }
        if (!token.exp().toInstant().isAfter(now)) {
            return Verdict.unauthenticated("token expired at " + token.exp().toInstant());
        }
        if (token.nbf() != null && token.nbf().toInstant().isAfter(now)) {
            return Verdict.unauthenticated("token not valid before " + token.nbf().toInstant());
        }
        if (token.audiences().isEmpty()) {
            return Verdict.unauthenticated("token has no aud");
        }
        if (!token.audiences().contains(audience)) {
            return Verdict.unauthenticated("token audience does not include " + audience);
        }
        if (!allowedSubjects.contains(token.subject().toString())) {
            return new Verdict.Denied(403, "subject " + token.subject() + " is not allowed");
        }
        return new Verdict.Allowed(token.subject().toString());
    }

    private static JWSVerifier verifierFor(JWSAlgorithm algorithm, PublicKey key) throws JOSEException {
        String family = algorithm.getName().substring(0, 2).toUpperCase(Locale.ROOT);
        if (key instanceof ECPublicKey ec && family.equals("ES")) {
            ECDSAVerifier verifier = new ECDSAVerifier(ec);
            return verifier.supportedJWSAlgorithms().contains(algorithm) ? verifier : null;
        }
        if (key instanceof RSAPublicKey rsa && (family.equals("RS") || family.equals("PS"))) {
            return new RSASSAVerifier(rsa);
        }
        return null;
    }
}
