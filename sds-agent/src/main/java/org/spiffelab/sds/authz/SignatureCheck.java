package org.spiffelab.sds.authz;

import com.nimbusds.jose.JWSAlgorithm;

/** Verifies JWS signatures with one bundle key; made once per key (see {@link SignatureChecks}), used by any thread. */
interface SignatureCheck {

    /** @return whether this key's type and size fit {@code algorithm} */
    boolean fits(JWSAlgorithm algorithm);

    boolean verify(JWSAlgorithm algorithm, byte[] signingInput, byte[] signature);
}
