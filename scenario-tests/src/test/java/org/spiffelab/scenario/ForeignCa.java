package org.spiffelab.scenario;

import java.math.BigInteger;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * An impostor CA: a self-signed root that calls itself {@code spiffe://example.org} and issues SVID-shaped leaf
 * certificates with any SPIFFE ID. Only the key material differs from SPIRE's — which is the whole point.
 */
final class ForeignCa {

    private final KeyPair caKeys;
    private final X509Certificate caCert;

    ForeignCa(String trustDomainId) throws GeneralSecurityException {
        this.caKeys = ecKeys();
        this.caCert = sign(new X500Name("O=SPIRE Envoy Lab,C=US"), caKeys, caKeys.getPrivate(), new X500Name("O=SPIRE Envoy Lab,C=US"),
                trustDomainId, true);
    }

    /** A leaf with {@code spiffeId} as its URI SAN, and its key. */
    Leaf issue(String spiffeId) throws GeneralSecurityException {
        KeyPair keys = ecKeys();
        X509Certificate cert = sign(new X500Name("O=SPIRE Envoy Lab,C=US"), keys, caKeys.getPrivate(),
                new X500Name("O=SPIRE Envoy Lab,C=US,CN=x509-svid"), spiffeId, false);
        return new Leaf(List.of(cert, caCert), keys.getPrivate());
    }

    record Leaf(List<X509Certificate> chain, PrivateKey key) {
    }

    private static KeyPair ecKeys() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static X509Certificate sign(X500Name issuer, KeyPair subjectKeys, PrivateKey issuerKey, X500Name subject,
                                        String uriSan, boolean ca) throws GeneralSecurityException {
        Instant now = Instant.now();
        try {
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(now.toEpochMilli()),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofHours(1))), subject, subjectKeys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign
                    : KeyUsage.digitalSignature | KeyUsage.keyEncipherment | KeyUsage.keyAgreement));
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, URI.create(uriSan).toString())));
            return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
        } catch (OperatorCreationException | java.io.IOException e) {
            throw new GeneralSecurityException("cannot sign the impostor certificate", e);
        }
    }
}
