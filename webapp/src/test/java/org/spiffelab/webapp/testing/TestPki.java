package org.spiffelab.webapp.testing;

import io.spiffe.bundle.x509bundle.X509Bundle;
import io.spiffe.spiffeid.TrustDomain;
import io.spiffe.svid.x509svid.X509Svid;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A test CA for one trust domain that issues X.509-SVIDs shaped like SPIRE's. */
public final class TestPki {

    private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());

    private final TrustDomain trustDomain;
    private final KeyPair caKeys;
    private final X509Certificate caCert;

    public TestPki(String trustDomain) throws GeneralSecurityException {
        this.trustDomain = TrustDomain.parse(trustDomain);
        this.caKeys = keys();
        this.caCert = certificate(caKeys, caKeys.getPrivate(), "spiffe://" + trustDomain, true);
    }

    public X509Bundle bundle() {
        return new X509Bundle(trustDomain, Set.of(caCert));
    }

    public X509Certificate caCert() {
        return caCert;
    }

    public X509Svid issue(String spiffeId) throws Exception {
        KeyPair keys = keys();
        X509Certificate leaf = certificate(keys, caKeys.getPrivate(), spiffeId, false);
        ByteArrayOutputStream chain = new ByteArrayOutputStream();
        chain.write(leaf.getEncoded());
        return X509Svid.parseRaw(chain.toByteArray(), keys.getPrivate().getEncoded());
    }

    private static KeyPair keys() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private X509Certificate certificate(KeyPair subject, PrivateKey issuerKey, String uri, boolean ca) throws GeneralSecurityException {
        Instant now = Instant.now();
        X500Name issuer = new X500Name("O=Test CA " + trustDomain + ",C=US");
        try {
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIALS.incrementAndGet()),
                    Date.from(now.minus(Duration.ofMinutes(1))), Date.from(now.plus(Duration.ofHours(1))),
                    ca ? issuer : new X500Name("O=SPIRE,C=US"), subject.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign
                    : KeyUsage.digitalSignature | KeyUsage.keyEncipherment | KeyUsage.keyAgreement));
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uri)));
            return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
        } catch (Exception e) {
            throw new GeneralSecurityException("cannot issue test certificate", e);
        }
    }
}
