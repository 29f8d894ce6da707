package org.spiffelab.sds.authz;

import com.nimbusds.jose.JWSAlgorithm;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECFieldFp;
import java.util.Map;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.math.ec.ECPoint;

/**
 * ES256/ES384/ES512 (JOSE's raw r‖s signatures) with BouncyCastle's lightweight ECDSA on its specialised NIST curves;
 * for P-256 (SPIRE's default) the two multiplications come from per-point tables ({@link FixedBaseTable}).
 * JDK 17's SunEC spends about a millisecond per P-256 verification (generic field arithmetic, no precomputation); here
 * the key is converted once and its point keeps BouncyCastle's precomputed multiples between calls, so a check costs
 * a fraction of that. No DER transcoding: r and s are read straight from the JOSE signature.
 */
final class EcdsaSignatureCheck implements SignatureCheck {

    private record Curve(String name, JWSAlgorithm algorithm, String digest, int scalarBytes) {
    }

    private static final Map<Integer, Curve> BY_FIELD_BITS = Map.of(
            256, new Curve("secp256r1", JWSAlgorithm.ES256, "SHA-256", 32),
            384, new Curve("secp384r1", JWSAlgorithm.ES384, "SHA-384", 48),
            521, new Curve("secp521r1", JWSAlgorithm.ES512, "SHA-512", 66));

    /** G's table, shared by every P-256 key; built on first use. */
    private static volatile FixedBaseTable p256Generator;

    private final Curve curve;
    private final ECPublicKeyParameters key;
    /** P-256 only (SPIRE's default, ES256): this key's table, built on its first verification (a pool thread). */
    private volatile FixedBaseTable keyTable;

    private EcdsaSignatureCheck(Curve curve, ECPublicKeyParameters key) {
        this.curve = curve;
        this.key = key;
    }

    /** @throws IllegalArgumentException when the key is not on one of the three NIST curves JOSE names */
    static EcdsaSignatureCheck of(ECPublicKey publicKey) {
        var spec = publicKey.getParams();
        Curve curve = BY_FIELD_BITS.get(spec.getCurve().getField().getFieldSize());
        if (curve == null) {
            throw new IllegalArgumentException("EC key on a curve JOSE does not name");
        }
        X9ECParameters named = CustomNamedCurves.getByName(curve.name());
        boolean sameCurve = spec.getCurve().getField() instanceof ECFieldFp field
                && field.getP().equals(named.getCurve().getField().getCharacteristic())
                && spec.getCurve().getA().equals(named.getCurve().getA().toBigInteger())
                && spec.getCurve().getB().equals(named.getCurve().getB().toBigInteger())
                && spec.getOrder().equals(named.getN())
                && spec.getGenerator().getAffineX().equals(named.getG().getAffineXCoord().toBigInteger())
                && spec.getGenerator().getAffineY().equals(named.getG().getAffineYCoord().toBigInteger());
        if (!sameCurve) {
            throw new IllegalArgumentException("EC key on a curve other than " + curve.name());
        }
        ECPoint point = named.getCurve().createPoint(publicKey.getW().getAffineX(), publicKey.getW().getAffineY());
        if (!point.isValid()) {
            throw new IllegalArgumentException("EC key is not a point of " + curve.name());
        }
        ECDomainParameters domain = new ECDomainParameters(named.getCurve(), named.getG(), named.getN(), named.getH());
        return new EcdsaSignatureCheck(curve, new ECPublicKeyParameters(point, domain));
    }

    @Override
    public boolean fits(JWSAlgorithm algorithm) {
        return curve.algorithm().equals(algorithm);
    }

    @Override
    public boolean verify(JWSAlgorithm algorithm, byte[] signingInput, byte[] signature) {
        int n = curve.scalarBytes();
        if (!fits(algorithm) || signature.length != 2 * n) {
            return false;
        }
        BigInteger r = new BigInteger(1, signature, 0, n);
        BigInteger s = new BigInteger(1, signature, n, n);
        byte[] digest;
        try {
            digest = MessageDigest.getInstance(curve.digest()).digest(signingInput);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        if (curve.scalarBytes() == 32) {
            return verifyWithTables(digest, r, s);
        }
        // refuses r or s outside [1, n-1]; accepts s and n - s alike (see JwtSvidValidator on high-S)
        ECDSASigner verifier = new ECDSASigner();
        verifier.init(false, key);
        return verifier.verifySignature(digest, r, s);
    }

    /**
     * ECDSA verification (SEC 1 §4.1.4) for P-256: r and s in [1, n−1]; e the SHA-256 digest (as long as n, so not
     * truncated); R = e·s⁻¹·G + r·s⁻¹·Q from the two tables; valid when R is a point and x(R) mod n = r. Accepts s and
     * n − s alike, as BouncyCastle's signer does (see JwtSvidValidator on high-S).
     */
    private boolean verifyWithTables(byte[] digest, BigInteger r, BigInteger s) {
        ECDomainParameters domain = key.getParameters();
        BigInteger n = domain.getN();
        if (r.signum() <= 0 || r.compareTo(n) >= 0 || s.signum() <= 0 || s.compareTo(n) >= 0) {
            return false;
        }
        BigInteger w = s.modInverse(n);
        BigInteger u1 = new BigInteger(1, digest).multiply(w).mod(n);
        BigInteger u2 = r.multiply(w).mod(n);
        ECPoint point = keyTable().addMultiple(generatorTable(domain).addMultiple(domain.getCurve().getInfinity(), u1), u2).normalize();
        return !point.isInfinity() && point.getAffineXCoord().toBigInteger().mod(n).equals(r);
    }

    private FixedBaseTable keyTable() {
        FixedBaseTable table = keyTable;
        if (table == null) {
            synchronized (this) {
                table = keyTable;
                if (table == null) {
                    table = new FixedBaseTable(key.getQ(), curve.scalarBytes());
                    keyTable = table;
                }
            }
        }
        return table;
    }

    private static FixedBaseTable generatorTable(ECDomainParameters domain) {
        FixedBaseTable table = p256Generator;
        if (table == null) {
            synchronized (EcdsaSignatureCheck.class) {
                table = p256Generator;
                if (table == null) {
                    table = new FixedBaseTable(domain.getG(), 32);
                    p256Generator = table;
                }
            }
        }
        return table;
    }
}
