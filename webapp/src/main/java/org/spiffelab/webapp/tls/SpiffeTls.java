package org.spiffelab.webapp.tls;

import io.spiffe.provider.SpiffeKeyManager;
import io.spiffe.spiffeid.SpiffeId;
import io.spiffe.workloadapi.X509Source;
import java.security.GeneralSecurityException;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/** The mTLS client context: our current SVID as client certificate (read at every handshake), the server pinned by ID. */
public final class SpiffeTls {

    private SpiffeTls() {
    }

    public static SSLContext clientContext(X509Source source, PinnedPeerTrustManager trustManager) throws GeneralSecurityException {
        // TLS 1.3 explicitly: java-spiffe's own factory defaults to TLS 1.2.
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(new KeyManager[] {new SpiffeKeyManager(source)}, new TrustManager[] {trustManager}, null);
        return context;
    }

    public static PinnedPeerTrustManager pinnedTo(X509Source source, SpiffeId serverId) {
        return new PinnedPeerTrustManager(source, serverId);
    }
}
