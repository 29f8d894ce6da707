package org.spiffelab.webapp.testing;

import io.spiffe.bundle.x509bundle.X509Bundle;
import io.spiffe.spiffeid.TrustDomain;
import io.spiffe.svid.x509svid.X509Svid;
import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Set;
import org.spiffelab.harness.pki.TestCa;

/** The harness's test CA, in java-spiffe's types: X.509-SVIDs and the trust domain's bundle. */
public final class TestPki {

    private final TestCa ca;

    public TestPki(String trustDomain) throws GeneralSecurityException {
        this.ca = new TestCa(trustDomain);
    }

    public X509Bundle bundle() {
        return new X509Bundle(TrustDomain.parse(ca.trustDomain()), Set.of(ca.certificate()));
    }

    public X509Certificate caCert() {
        return ca.certificate();
    }

    public X509Svid issue(String spiffeId) throws Exception {
        TestCa.Leaf leaf = ca.issue(spiffeId);
        ByteArrayOutputStream chain = new ByteArrayOutputStream();
        for (X509Certificate certificate : leaf.chain()) {
            chain.write(certificate.getEncoded());
        }
        return X509Svid.parseRaw(chain.toByteArray(), leaf.key().getEncoded());
    }
}
