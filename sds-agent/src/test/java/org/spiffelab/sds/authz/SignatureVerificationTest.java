package org.spiffelab.sds.authz;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import io.spiffe.bundle.jwtbundle.JwtBundle;
import io.spiffe.bundle.jwtbundle.JwtBundleSet;
import io.spiffe.spiffeid.TrustDomain;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Signatures checked off the caller's thread, with BouncyCastle for ECDSA; forged tokens remembered; the pool bounded. */
class SignatureVerificationTest {

    final Tokens tokens = new Tokens();
    final KeyPair p384 = generate("secp384r1");
    final KeyPair p521 = generate("secp521r1");
    final JwtBundleSet bundles = JwtBundleSet.of(List.of(new JwtBundle(TrustDomain.parse("example.org"),
            Map.of("ec-1", tokens.ec.getPublic(), "rsa-1", tokens.rsa.getPublic(), "p384", p384.getPublic(), "p521", p521.getPublic()))));
    final JwtSvidValidator validator = new JwtSvidValidator(JwtBundles.of(() -> bundles), Tokens.AUDIENCE, Set.of(Tokens.WEBAPP),
            Clock.fixed(Tokens.NOW, ZoneOffset.UTC));

    @Test
    void everyAllowedEcCurveVerifiesAndNeedsItsOwnAlgorithm() {
        var claims = tokens.claims(Tokens.WEBAPP).build();
        assertThat(validator.check("Bearer " + tokens.sign(header(JWSAlgorithm.ES384, "p384"), claims, p384))).isInstanceOf(Verdict.Allowed.class);
        assertThat(validator.check("Bearer " + tokens.sign(header(JWSAlgorithm.ES512, "p521"), claims, p521))).isInstanceOf(Verdict.Allowed.class);
        for (JWSAlgorithm rs : List.of(JWSAlgorithm.RS384, JWSAlgorithm.PS256, JWSAlgorithm.PS512)) {
            assertThat(validator.check("Bearer " + tokens.sign(header(rs, "rsa-1"), claims, tokens.rsa))).as("%s", rs).isInstanceOf(Verdict.Allowed.class);
        }
        // a P-384 key signing "ES256", and an RSA algorithm with an EC key
        String es256Header = Base64.getUrlEncoder().withoutPadding().encodeToString(
                "{\"alg\":\"ES256\",\"kid\":\"p384\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertReason("Bearer " + Tokens.withPart(tokens.sign(header(JWSAlgorithm.ES384, "p384"), claims, p384), 0, es256Header),
                "does not match");
        assertReason("Bearer " + tokens.sign(header(JWSAlgorithm.RS256, "rsa-1"), claims, tokens.rsa).replaceFirst("^[^.]+",
                Tokens.part(tokens.sign(header(JWSAlgorithm.RS256, "ec-1"), claims, tokens.rsa), 0)), "does not match");
    }

    @Test
    void signaturesOfTheWrongLengthOrWithROrSOutOfRangeAreBad() {
        String genuine = tokens.es256("ec-1", tokens.claims(Tokens.WEBAPP).build());
        byte[] signature = Base64.getUrlDecoder().decode(Tokens.part(genuine, 2));
        assertReason("Bearer " + withSignature(genuine, java.util.Arrays.copyOf(signature, 63)), "bad signature");
        assertReason("Bearer " + withSignature(genuine, java.util.Arrays.copyOf(signature, 72)), "bad signature");
        byte[] zeroS = signature.clone();
        java.util.Arrays.fill(zeroS, 32, 64, (byte) 0);
        assertReason("Bearer " + withSignature(genuine, zeroS), "bad signature");
        byte[] sIsN = signature.clone();
        byte[] n = java.util.HexFormat.of().parseHex("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");
        System.arraycopy(n, 0, sIsN, 32, 32);
        assertReason("Bearer " + withSignature(genuine, sIsN), "bad signature");
        // DER, as the JDK's SHA256withECDSA would produce, is not the JOSE encoding
        byte[] der = new byte[70];
        der[0] = 0x30;
        assertReason("Bearer " + withSignature(genuine, der), "bad signature");
    }

    @Test
    void aForgedTokenIsVerifiedOnceAndRememberedAgainstTheKeyItFailed() {
        String forged = "Bearer " + tokens.sign(header(JWSAlgorithm.ES256, "ec-1"), tokens.claims(Tokens.WEBAPP).build(), tokens.otherEc);
        AtomicInteger verifications = new AtomicInteger();
        Executor counting = task -> {
            verifications.incrementAndGet();
            task.run();
        };
        for (int i = 0; i < 5; i++) {
            assertThat(validator.check(forged, counting).join()).isEqualTo(new Verdict.Denied(401, "bad signature"));
        }
        assertThat(verifications).hasValue(1);
        String genuine = "Bearer " + tokens.es256("ec-1", tokens.claims(Tokens.WEBAPP).build());
        for (int i = 0; i < 5; i++) {
            assertThat(validator.check(genuine, counting).join()).isInstanceOf(Verdict.Allowed.class);
        }
        assertThat(verifications).as("a verified token is not verified again").hasValue(2);
    }

    @Test
    void aVerifiedTokenIsAnsweredWhileEveryVerifierIsBusyAndAFullQueueIsA503() throws Exception {
        String genuine = "Bearer " + tokens.es256("ec-1", tokens.claims(Tokens.WEBAPP).build());
        assertThat(validator.check(genuine)).isInstanceOf(Verdict.Allowed.class);
        try (VerificationPool pool = new VerificationPool(1)) {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch busy = new CountDownLatch(1);
            pool.execute(() -> {
                busy.countDown();
                await(release);
            });
            assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue();
            String fresh = "Bearer " + tokens.es256("ec-1", tokens.claims(Tokens.WEBAPP).jwtID("fresh").build());
            CompletableFuture<Verdict> waiting = validator.check(fresh, pool);
            CompletableFuture<Verdict> cached = validator.check(genuine, pool);
            assertThat(cached).as("answered on the caller's thread").isCompletedWithValue(new Verdict.Allowed(Tokens.WEBAPP));
            assertThat(waiting).as("queued behind the busy verifier").isNotDone();
            for (int i = 1; i < VerificationPool.QUEUE; i++) {
                validator.check("Bearer " + tokens.es256("ec-1", tokens.claims(Tokens.WEBAPP).jwtID("q" + i).build()), pool);
            }
            CompletableFuture<Verdict> overflow = validator.check("Bearer " + tokens.es256("ec-1",
                    tokens.claims(Tokens.WEBAPP).jwtID("overflow").build()), pool);
            assertThat(overflow).isCompletedWithValue(new Verdict.Denied(503, "too many tokens waiting for signature verification; retry"));
            release.countDown();
            assertThat(waiting.get(10, TimeUnit.SECONDS)).isEqualTo(new Verdict.Allowed(Tokens.WEBAPP));
        }
    }

    private void assertReason(String header, String reason) {
        Verdict verdict = validator.check(header);
        assertThat(verdict).isInstanceOf(Verdict.Denied.class);
        assertThat(((Verdict.Denied) verdict).reason()).contains(reason);
    }

    private static String withSignature(String token, byte[] signature) {
        return Tokens.withPart(token, 2, Base64.getUrlEncoder().withoutPadding().encodeToString(signature));
    }

    private static JWSHeader header(JWSAlgorithm algorithm, String kid) {
        return new JWSHeader.Builder(algorithm).keyID(kid).build();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static KeyPair generate(String curve) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec(curve));
            return generator.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
