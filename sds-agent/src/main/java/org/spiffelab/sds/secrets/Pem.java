package org.spiffelab.sds.secrets;

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Collection;

/** PEM encoding of what Envoy takes inline: certificate chains, bundles and PKCS#8 private keys. */
final class Pem {

    private static final Base64.Encoder MIME = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));

    private Pem() {
    }

    static byte[] certificates(Collection<X509Certificate> certificates) {
        StringBuilder pem = new StringBuilder();
        for (X509Certificate certificate : certificates) {
            try {
                block(pem, "CERTIFICATE", certificate.getEncoded());
            } catch (CertificateEncodingException e) {
                throw new IllegalStateException("cannot encode certificate " + certificate.getSubjectX500Principal(), e);
            }
        }
        return pem.toString().getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] privateKey(PrivateKey key) {
        if (!"PKCS#8".equals(key.getFormat())) {
            throw new IllegalStateException("private key is " + key.getFormat() + ", not PKCS#8");
        }
        StringBuilder pem = new StringBuilder();
        block(pem, "PRIVATE KEY", key.getEncoded());
        return pem.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static void block(StringBuilder pem, String type, byte[] der) {
        pem.append("-----BEGIN ").append(type).append("-----\n").append(MIME.encodeToString(der))
                .append("\n-----END ").append(type).append("-----\n");
    }
}
