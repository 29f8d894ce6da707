package org.spiffelab.webapp.tls;

import io.spiffe.provider.SpiffeTrustManager;
import io.spiffe.spiffeid.SpiffeId;
import io.spiffe.workloadapi.X509Source;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Server authentication by SPIFFE ID: the chain must verify against the trust bundle from the Workload API and the
 * leaf's SPIFFE ID must be the pinned one (java-spiffe's {@link SpiffeTrustManager} does both). Hostnames play no
 * part. On failure the exception says which ID was presented.
 */
public final class PinnedPeerTrustManager extends X509ExtendedTrustManager {

    private final SpiffeTrustManager delegate;
    private final SpiffeId expected;

    public PinnedPeerTrustManager(X509Source source, SpiffeId expected) {
        this.delegate = new SpiffeTrustManager(source, () -> Set.of(expected));
        this.expected = expected;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        verify(chain, () -> delegate.checkServerTrusted(chain, authType, engine));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        verify(chain, () -> delegate.checkServerTrusted(chain, authType, socket));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(chain, () -> delegate.checkServerTrusted(chain, authType));
    }

    private interface Check {
        void run() throws CertificateException;
    }

    private void verify(X509Certificate[] chain, Check check) throws CertificateException {
        String presented = chain.length == 0 ? "no certificate" : spiffeIdOf(chain[0]);
        try {
            check.run();
        } catch (CertificateException e) {
            throw new PeerRejectedException(presented, expected.toString(), e);
        }
    }

    /** The certificate's SPIFFE ID (URI SAN), or a phrase saying it has none. */
    public static String spiffeIdOf(X509Certificate cert) {
        try {
            if (cert.getSubjectAlternativeNames() != null) {
                for (List<?> san : cert.getSubjectAlternativeNames()) {
                    if ((Integer) san.get(0) == 6 && san.get(1).toString().startsWith("spiffe://")) {
                        return san.get(1).toString();
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return "an unreadable certificate";
        }
        return "a certificate without a SPIFFE ID";
    }

    // This is a client: it never authenticates TLS clients.
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("the webapp does not accept TLS clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("the webapp does not accept TLS clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("the webapp does not accept TLS clients");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }
}
