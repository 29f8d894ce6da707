package org.spiffelab.sds.authz;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.util.Base64URL;
import java.security.interfaces.RSAPublicKey;

/** RS256..RS512 and PS256..PS512 through nimbus on the JDK (RSA verification is cheap there), one verifier per key. */
final class RsaSignatureCheck implements SignatureCheck {

    private final RSASSAVerifier verifier;

    RsaSignatureCheck(RSAPublicKey key) {
        this.verifier = new RSASSAVerifier(key);
    }

    @Override
    public boolean fits(JWSAlgorithm algorithm) {
        return JWSAlgorithm.Family.RSA.contains(algorithm);
    }

    @Override
    public boolean verify(JWSAlgorithm algorithm, byte[] signingInput, byte[] signature) {
        try {
            return fits(algorithm) && verifier.verify(new JWSHeader(algorithm), signingInput, Base64URL.encode(signature));
        } catch (JOSEException | RuntimeException e) {
            return false;
        }
    }
}
