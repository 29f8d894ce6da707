package org.spiffelab.sds.authz;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.spiffe.bundle.jwtbundle.JwtBundle;
import io.spiffe.bundle.jwtbundle.JwtBundleSet;
import io.spiffe.spiffeid.TrustDomain;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

/** JWT-SVID material for tests: a trust domain's signing keys, its JWT bundle, and tokens of any shape. */
final class Tokens {

    static final String AUDIENCE = "spiffe://example.org/ns/demo/sa/customer-service";
    static final String WEBAPP = "spiffe://example.org/ns/demo/sa/webapp";
    static final String WEBAPP_2 = "spiffe://example.org/ns/demo/sa/webapp-2";
    static final Instant NOW = Instant.parse("2026-11-22T06:00:00Z");

    final KeyPair ec = generate("EC");
    final KeyPair rsa = generate("RSA");
    final KeyPair otherEc = generate("EC");

    JwtBundleSet bundles() {
        return JwtBundleSet.of(List.of(new JwtBundle(TrustDomain.parse("example.org"),
                Map.of("ec-1", ec.getPublic(), "rsa-1", rsa.getPublic()))));
    }

    JWTClaimsSet.Builder claims(String subject) {
        return new JWTClaimsSet.Builder().subject(subject).audience(AUDIENCE)
                .expirationTime(Date.from(NOW.plus(Duration.ofMinutes(5)))).issueTime(Date.from(NOW));
    }

    String es256(String kid, JWTClaimsSet claims) {
        return sign(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(kid).type(JOSEObjectType.JWT).build(), claims, ec);
    }

    String sign(JWSHeader header, JWTClaimsSet claims, KeyPair keys) {
        try {
            SignedJWT jwt = new SignedJWT(header, claims);
            if (keys.getPrivate() instanceof ECPrivateKey key) {
                jwt.sign(new ECDSASigner(key));
            } else {
                jwt.sign(new RSASSASigner(keys.getPrivate()));
            }
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The classic confusion attack: HS256 with the server's public key bytes as the HMAC secret. */
    String hs256WithPublicKey(JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("rsa-1").build(), claims);
            jwt.sign(new MACSigner(rsa.getPublic().getEncoded()));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The token with its part {@code index} (0 header, 1 payload, 2 signature) replaced by {@code text}, verbatim. */
    static String withPart(String token, int index, String text) {
        String[] parts = token.split("\\.", -1);
        parts[index] = text;
        return String.join(".", parts);
    }

    static String part(String token, int index) {
        return token.split("\\.", -1)[index];
    }

    /** The ES256 token with s replaced by n − s: the "high-S" twin, a second valid signature of the same input. */
    static String highSTwin(String token) {
        byte[] signature = java.util.Base64.getUrlDecoder().decode(part(token, 2));
        java.math.BigInteger n = new java.math.BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);
        java.math.BigInteger s = new java.math.BigInteger(1, java.util.Arrays.copyOfRange(signature, 32, 64));
        byte[] twinS = n.subtract(s).toByteArray();
        byte[] twin = java.util.Arrays.copyOf(signature, 64);
        java.util.Arrays.fill(twin, 32, 64, (byte) 0);
        int length = Math.min(32, twinS.length);
        System.arraycopy(twinS, twinS.length - length, twin, 64 - length, length);
        return withPart(token, 2, java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(twin));
    }

    static String unsigned(JWTClaimsSet claims) {
        return new PlainJWT(claims).serialize();
    }

    private static KeyPair generate(String algorithm) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            if (algorithm.equals("EC")) {
                generator.initialize(new ECGenParameterSpec("secp256r1"));
            } else {
                generator.initialize(2048);
            }
            return generator.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
