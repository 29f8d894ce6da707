package org.spiffelab.sds.authz;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Random;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.junit.jupiter.api.Test;

/**
 * P-256 verification from tables ({@link FixedBaseTable}) against BouncyCastle's ECDSASigner on the same inputs:
 * genuine signatures from the JDK, their high-S twins, and every kind of tampering must get the same answer.
 */
class EcdsaTablesTest {

    static final BigInteger N = CustomNamedCurves.getByName("secp256r1").getN();

    @Test
    void tablesAnswerExactlyAsBouncyCastlesSignerDoes() throws Exception {
        Random random = new Random(42);
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        int checked = 0;
        for (int k = 0; k < 3; k++) {
            KeyPair keys = generator.generateKeyPair();
            EcdsaSignatureCheck tables = EcdsaSignatureCheck.of((ECPublicKey) keys.getPublic());
            for (int i = 0; i < 60; i++) {
                byte[] message = new byte[1 + random.nextInt(300)];
                random.nextBytes(message);
                Signature signer = Signature.getInstance("SHA256withECDSAinP1363Format");
                signer.initSign(keys.getPrivate());
                signer.update(message);
                byte[] signature = signer.sign();
                assertThat(tables.verify(JWSAlgorithm.ES256, message, signature)).isTrue();
                assertThat(tables.verify(JWSAlgorithm.ES256, message, highSTwin(signature))).isTrue();
                byte[] otherMessage = message.clone();
                otherMessage[random.nextInt(otherMessage.length)] ^= (byte) (1 << random.nextInt(8));
                for (byte[][] input : new byte[][][] {
                        {otherMessage, signature},
                        {message, flip(signature, random.nextInt(32), random)},        // r
                        {message, flip(signature, 32 + random.nextInt(32), random)},   // s
                        {message, swapHalves(signature)},
                        {message, withR(signature, BigInteger.ZERO)},
                        {message, withR(signature, N)},
                        {message, withS(signature, N)},
                        {message, withS(signature, N.add(BigInteger.ONE))},
                        {message, randomBytes(random)}}) {
                    boolean expected = bouncyCastle((ECPublicKey) keys.getPublic(), input[0], input[1]);
                    assertThat(tables.verify(JWSAlgorithm.ES256, input[0], input[1])).isEqualTo(expected).isFalse();
                    checked++;
                }
            }
        }
        assertThat(checked).isEqualTo(3 * 60 * 9);
    }

    private static boolean bouncyCastle(ECPublicKey key, byte[] message, byte[] signature) throws Exception {
        var named = CustomNamedCurves.getByName("secp256r1");
        var domain = new ECDomainParameters(named.getCurve(), named.getG(), named.getN(), named.getH());
        var point = named.getCurve().createPoint(key.getW().getAffineX(), key.getW().getAffineY());
        ECDSASigner verifier = new ECDSASigner();
        verifier.init(false, new ECPublicKeyParameters(point, domain));
        return verifier.verifySignature(MessageDigest.getInstance("SHA-256").digest(message),
                new BigInteger(1, signature, 0, 32), new BigInteger(1, signature, 32, 32));
    }

    private static byte[] highSTwin(byte[] signature) {
        return withS(signature, N.subtract(new BigInteger(1, signature, 32, 32)));
    }

    private static byte[] flip(byte[] signature, int index, Random random) {
        byte[] copy = signature.clone();
        copy[index] ^= (byte) (1 << random.nextInt(8));
        return copy;
    }

    private static byte[] swapHalves(byte[] signature) {
        byte[] copy = new byte[64];
        System.arraycopy(signature, 32, copy, 0, 32);
        System.arraycopy(signature, 0, copy, 32, 32);
        return copy;
    }

    private static byte[] withR(byte[] signature, BigInteger r) {
        byte[] copy = signature.clone();
        System.arraycopy(fixed(r), 0, copy, 0, 32);
        return copy;
    }

    private static byte[] withS(byte[] signature, BigInteger s) {
        byte[] copy = signature.clone();
        System.arraycopy(fixed(s), 0, copy, 32, 32);
        return copy;
    }

    /** The low 32 bytes, big-endian (N + 1 fits: it is below 2^256). */
    private static byte[] fixed(BigInteger value) {
        byte[] bytes = value.toByteArray();
        byte[] out = new byte[32];
        int length = Math.min(32, bytes.length);
        System.arraycopy(bytes, bytes.length - length, out, 32 - length, length);
        return out;
    }

    private static byte[] randomBytes(Random random) {
        byte[] bytes = new byte[64];
        random.nextBytes(bytes);
        return bytes;
    }
}
