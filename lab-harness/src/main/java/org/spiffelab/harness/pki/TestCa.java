package org.spiffelab.harness.pki;

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
import java.util.List;
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

/**
 * A CA for tests: a self-signed P-256 root whose URI SAN is {@code spiffe://<trust domain>}, issuing X.509-SVID-shaped
 * leaves (URI SAN = SPIFFE ID, not a CA, digitalSignature). Two instances for the same trust domain look alike and
 * share no keys — which is how tests build impostors.
 */
public final class TestCa {

    private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis() * 1000);

    private final String trustDomain;
    private final KeyPair keys;
    private final X509Certificate certificate;

    public TestCa(String trustDomain) throws GeneralSecurityException {
        this.trustDomain = trustDomain;
        this.keys = ecKeys();
        this.certificate = sign(keys.getPublic(), keys.getPrivate(), name(), name(), "spiffe://" + trustDomain, true, Duration.ofDays(1));
    }

    public String trustDomain() {
        return trustDomain;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** A leaf valid for an hour. */
    public Leaf issue(String spiffeId) throws GeneralSecurityException {
        return issue(spiffeId, Duration.ofHours(1));
    }

    public Leaf issue(String spiffeId, Duration validity) throws GeneralSecurityException {
        KeyPair leafKeys = ecKeys();
        X509Certificate leaf = sign(leafKeys.getPublic(), keys.getPrivate(), name(), new X500Name("O=SPIRE Envoy Lab,C=US,CN=x509-svid"),
                spiffeId, false, validity);
        return new Leaf(List.of(leaf), leafKeys.getPrivate());
    }

    /** A leaf's chain (leaf first, without the root) and its private key. */
    public record Leaf(List<X509Certificate> chain, PrivateKey key) {

        public X509Certificate certificate() {
            return chain.get(0);
        }
    }

    private X500Name name() {
        return new X500Name("O=SPIRE Envoy Lab test CA " + trustDomain + ",C=US");
    }

    private static KeyPair ecKeys() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static X509Certificate sign(java.security.PublicKey subjectKey, PrivateKey issuerKey, X500Name issuer, X500Name subject,
                                        String uri, boolean ca, Duration validity) throws GeneralSecurityException {
        Instant now = Instant.now();
        try {
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIALS.incrementAndGet()),
                    Date.from(now.minus(Duration.ofMinutes(1))), Date.from(now.plus(validity)), subject, subjectKey);
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign
                    : KeyUsage.digitalSignature | KeyUsage.keyEncipherment | KeyUsage.keyAgreement));
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uri)));
            return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
        } catch (org.bouncycastle.operator.OperatorCreationException | java.io.IOException e) {
            throw new GeneralSecurityException("cannot sign a test certificate", e);
        }
    }
}
