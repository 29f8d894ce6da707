package org.spiffelab.sds.authz;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import io.spiffe.bundle.jwtbundle.JwtBundle;
import io.spiffe.spiffeid.SpiffeId;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Validates a JWT-SVID locally against the JWT bundles from the Workload API, then authorizes its subject.
 * Each check has its own reason; only a token that passes every one is allowed:
 * Bearer scheme · size ≤ 16 KiB · compact serialization, each part canonical unpadded Base64URL ({@link CompactJws}) ·
 * a signed JWS (never {@code alg: none}) · an asymmetric algorithm from the allow-list (so an HMAC "signed" with a
 * public key is refused) · no {@code crit} · {@code typ}, if present, JWT or JOSE · a subject that is a SPIFFE ID exactly
 * as the spec writes it ({@link SpiffeIdSyntax}) · a bundle for its trust domain · a {@code kid} in that bundle whose key
 * type fits the algorithm · a valid signature · {@code exp} not past, {@code nbf} and {@code iat} not in the future, each
 * within {@link #CLOCK_SKEW} · {@code aud} containing our audience · finally the subject, byte for byte, on the
 * allow-list (else 403).
 *
 * <p>ECDSA signatures are accepted with either s or n − s ("high-S"): SPIRE signs with Go's crypto/ecdsa, which does
 * not normalise s, so refusing high-S would refuse about half of SPIRE's genuine tokens. The twin of a genuine token
 * carries the same claims from the same signer, so accepting it grants nothing the original did not.
 *
 * <p>Everything but the signature check runs on the caller's thread and costs microseconds; the signature check runs
 * on the executor given to {@link #check(String, Executor)} (a {@link VerificationPool} in the agent), so a flood of
 * forged tokens waits there while callers with an already verified token are answered at once.
 */
public final class JwtSvidValidator {

    /**
     * Clock skew allowed between SPIRE's clock and ours for {@code exp}, {@code nbf} and {@code iat}. go-spiffe allows
     * go-jose's default minute; half a minute covers NTP-synced hosts and keeps an expired token's afterlife short.
     */
    public static final Duration CLOCK_SKEW = Duration.ofSeconds(30);
    static final int MAX_TOKEN_CHARS = 16 * 1024;
    static final Set<JWSAlgorithm> ALLOWED_ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512);

    private static final int MAX_CACHED = 1024;
    /** Tokens larger than this are not remembered as forged (bounds that cache to a few MiB); SPIRE's are < 1 KiB. */
    private static final int MAX_REMEMBERED_FORGERY_CHARS = 4096;

    private final JwtBundles bundles;
    private final String audience;
    private final Set<String> allowedSubjects;
    private final Clock clock;
    /**
     * Tokens whose signature already verified, with what was checked against which key. A caller sends the same
     * token until it renews it, so parsing and signature checks run once per token; the time, audience, key and
     * allow-list checks still run on every request.
     */
    private final ConcurrentHashMap<String, Verified> verified = new ConcurrentHashMap<>();
    /** Tokens whose signature failed, with the key it failed against: the same bytes fail again with that key. */
    private final ConcurrentHashMap<String, PublicKey> forged = new ConcurrentHashMap<>();
    private final SignatureChecks signatureChecks = new SignatureChecks();

    /** A token that passed every check that needs no signature verification. */
    private record Candidate(String token, CompactJws jws, String subject, SpiffeId id, String kid, PublicKey key,
                             SignatureCheck signatureCheck) {
    }

    private record Verified(String subject, SpiffeId id, String kid, PublicKey key, Date exp, Date nbf, Date iat, List<String> audiences) {
    }

    public JwtSvidValidator(JwtBundles bundles, String audience, Set<String> allowedSubjects, Clock clock) {
        this.bundles = bundles;
        this.audience = audience;
        this.allowedSubjects = Set.copyOf(allowedSubjects);
        this.clock = clock;
    }

    /** Checks on the calling thread, signature included. @param authorization the Authorization header, or null */
    public Verdict check(String authorization) {
        return check(authorization, Runnable::run).join();
    }

    /**
     * @param verifications where signature checks run; when it refuses work, the answer is 503 at once
     * @return the verdict; already complete unless the token needed a signature check
     */
    public CompletableFuture<Verdict> check(String authorization, Executor verifications) {
        Candidate candidate;
        try {
            String token = bearerToken(authorization);
            Verdict cached = fromCache(token);
            if (cached != null) {
                return CompletableFuture.completedFuture(cached);
            }
            candidate = prepare(token);
        } catch (Rejected e) {
            return CompletableFuture.completedFuture(Verdict.unauthenticated(e.getMessage()));
        } catch (JwtBundles.NotYetReceived e) {
            return CompletableFuture.completedFuture(new Verdict.Denied(503, e.getMessage()));
        }
        try {
            return CompletableFuture.supplyAsync(() -> verify(candidate), verifications);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture(new Verdict.Denied(503, "too many tokens waiting for signature verification; retry"));
        }
    }

    private Verdict fromCache(String token) throws JwtBundles.NotYetReceived {
        Verified cached = verified.get(token);
        if (cached == null) {
            return null;
        }
        JwtBundle bundle = bundles.forTrustDomain(cached.id().getTrustDomain());
        if (bundle != null && cached.key().equals(bundle.getJwtAuthorities().get(cached.kid()))) {
            return decide(cached);
        }
        verified.remove(token);   // the key left the bundle: check from scratch
        return null;
    }

    private Candidate prepare(String token) throws Rejected, JwtBundles.NotYetReceived {
        CompactJws jws = CompactJws.parse(token);
        JWSHeader header = jws.header();
        JWSAlgorithm algorithm = header.getAlgorithm();
        if (!ALLOWED_ALGORITHMS.contains(algorithm)) {
            throw new Rejected("algorithm " + algorithm + " is not allowed");
        }
        if (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty()) {
            throw new Rejected("critical header parameters " + header.getCriticalParams() + " are not understood");
        }
        JOSEObjectType type = header.getType();
        if (type != null && !type.equals(JOSEObjectType.JWT) && !type.equals(JOSEObjectType.JOSE)) {
            throw new Rejected("token type " + type + " is neither JWT nor JOSE");
        }
        String subject = jws.claims().getSubject();
        SpiffeId id = spiffeId(subject);
        JwtBundle bundle = bundles.forTrustDomain(id.getTrustDomain());
        if (bundle == null) {
            throw new Rejected("no JWT bundle for trust domain " + id.getTrustDomain() + " (foreign trust domain)");
        }
        String kid = header.getKeyID();
        if (kid == null || kid.isEmpty()) {
            throw new Rejected("token has no kid");
        }
        PublicKey key = bundle.getJwtAuthorities().get(kid);
        if (key == null) {
            throw new Rejected("unknown kid");
        }
        SignatureCheck signatureCheck = signatureChecks.forKey(key);
        if (!signatureCheck.fits(algorithm)) {
            throw new Rejected("algorithm " + algorithm + " does not match the " + key.getAlgorithm() + " key of kid");
        }
        if (key.equals(forged.get(token))) {
            throw new Rejected("bad signature");
        }
        return new Candidate(token, jws, subject, id, kid, key, signatureCheck);
    }

    private Verdict verify(Candidate candidate) {
        CompactJws jws = candidate.jws();
        if (!candidate.signatureCheck().verify(jws.header().getAlgorithm(), jws.signingInput(), jws.signature())) {
            if (candidate.token().length() <= MAX_REMEMBERED_FORGERY_CHARS) {
                if (forged.size() >= MAX_CACHED) {
                    forged.clear();
                }
                forged.put(candidate.token(), candidate.key());
            }
            return Verdict.unauthenticated("bad signature");
        }
        JWTClaimsSet claims = jws.claims();
        Verified checked = new Verified(candidate.subject(), candidate.id(), candidate.kid(), candidate.key(),
                claims.getExpirationTime(), claims.getNotBeforeTime(), claims.getIssueTime(),
                claims.getAudience() == null ? List.of() : List.copyOf(claims.getAudience()));
        if (verified.size() >= MAX_CACHED) {
            verified.clear();
        }
        verified.put(candidate.token(), checked);
        return decide(checked);
    }

    /** The token after {@code Bearer } (scheme case-insensitive, as RFC 7235 has it), untouched otherwise. */
    private static String bearerToken(String authorization) throws Rejected {
        if (authorization == null) {
            throw new Rejected("missing Authorization header");
        }
        if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new Rejected("Authorization is not a Bearer token");
        }
        int start = 7;
        while (start < authorization.length() && authorization.charAt(start) == ' ') {
            start++;
        }
        if (start == authorization.length()) {
            throw new Rejected("empty bearer token");
        }
        if (authorization.length() - start > MAX_TOKEN_CHARS) {
            throw new Rejected("token larger than 16 KiB");
        }
        return authorization.substring(start);
    }

    private static SpiffeId spiffeId(String subject) throws Rejected {
        if (subject == null) {
            throw new Rejected("token has no sub");
        }
        String problem = SpiffeIdSyntax.problem(subject);
        if (problem != null) {
            throw new Rejected(problem);
        }
        SpiffeId id;
        try {
            id = SpiffeId.parse(subject);
        } catch (RuntimeException e) {
            throw new Rejected("subject is not a SPIFFE ID");
        }
        if (!id.toString().equals(subject)) {
            throw new Rejected("subject is not a SPIFFE ID as the spec writes it");
        }
        return id;
    }

    /** The checks that depend on time and configuration: run for every request, cached or not. */
    private Verdict decide(Verified token) {
        Instant now = clock.instant();
        if (token.exp() == null) {
            return Verdict.unauthenticated("token has no exp");
        }
        if (!token.exp().toInstant().plus(CLOCK_SKEW).isAfter(now)) {
            return Verdict.unauthenticated("token expired at " + token.exp().toInstant());
        }
        if (token.nbf() != null && token.nbf().toInstant().isAfter(now.plus(CLOCK_SKEW))) {
            return Verdict.unauthenticated("token not valid before " + token.nbf().toInstant());
        }
        if (token.iat() != null && token.iat().toInstant().isAfter(now.plus(CLOCK_SKEW))) {
            return Verdict.unauthenticated("token issued in the future (iat " + token.iat().toInstant() + ")");
        }
        if (token.audiences().isEmpty()) {
            return Verdict.unauthenticated("token has no aud");
        }
        if (!token.audiences().contains(audience)) {
            return Verdict.unauthenticated("token audience does not include " + audience);
        }
        if (!allowedSubjects.contains(token.subject())) {
            return new Verdict.Denied(403, "subject " + token.subject() + " is not allowed");
        }
        return new Verdict.Allowed(token.subject());
    }
}
