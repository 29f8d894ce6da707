package org.spiffelab.sds.authz;

import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.concurrent.ConcurrentHashMap;

/** One {@link SignatureCheck} per bundle key, made on first use; a bundle has a handful of keys, rotated slowly. */
final class SignatureChecks {

    // An ES256 check carries its key's fixed-base table (about 1.5 MB): 8 keys stay well inside the image's heap, and a
    // SPIRE bundle holds the current, next and recently retired keys, far fewer.
    private static final int MAX_KEYS = 8;
    private final ConcurrentHashMap<PublicKey, SignatureCheck> checks = new ConcurrentHashMap<>();

    /** @throws Rejected when the key cannot verify JWS signatures */
    SignatureCheck forKey(PublicKey key) throws Rejected {
        SignatureCheck check = checks.get(key);
        if (check != null) {
            return check;
        }
        try {
            if (key instanceof ECPublicKey ec) {
                check = EcdsaSignatureCheck.of(ec);
            } else if (key instanceof RSAPublicKey rsa) {
                check = new RsaSignatureCheck(rsa);
            } else {
                throw new Rejected("key of kid is a " + key.getAlgorithm() + " key, which JWT-SVIDs do not use");
            }
        } catch (IllegalArgumentException e) {
            throw new Rejected("key unusable: " + e.getMessage());
        }
        if (checks.size() >= MAX_KEYS) {
            checks.clear();   // keys rotated out of the bundle: start over
        }
        checks.put(key, check);
        return check;
    }
}
