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
