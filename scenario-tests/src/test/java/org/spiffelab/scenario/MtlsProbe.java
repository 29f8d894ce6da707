package org.spiffelab.scenario;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.net.Socket;
import java.security.Principal;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A raw TLS client for the scenario's negative cases: present a chosen client certificate (or none), trust only
 * the given bundle, send one HTTP/1.1 request and report exactly what happened. No hostname check: SPIFFE
 * identities are checked by the caller on the returned peer chain.
 */
public final class MtlsProbe {

    /** The outcome: a response with the server's chain, or the exception that ended the exchange. */
    public record Outcome(int status, String body, List<X509Certificate> peerChain, Exception failure) {
        public boolean failed() {
            return failure != null;
        }
    }

    private final SSLContext context;

    private MtlsProbe(SSLContext context) {
        this.context = context;
    }

    public static MtlsProbe withClientCertificate(List<X509Certificate> chain, PrivateKey key, List<X509Certificate> trusted)
            throws GeneralSecurityException, IOException {
        return new MtlsProbe(clientContext(chain, key, trusted));
    }

    /** An SSLContext that always presents this client certificate and trusts only {@code trusted}. */
    static SSLContext clientContext(List<X509Certificate> chain, PrivateKey key, List<X509Certificate> trusted)
            throws GeneralSecurityException, IOException {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("client", key, new char[0], chain.toArray(Certificate[]::new));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
        // Present the certificate whatever CA names the server asks for: an impostor must really be sent.
        X509ExtendedKeyManager always = new AlwaysPresent((X509ExtendedKeyManager) kmf.getKeyManagers()[0]);
        return context(new KeyManager[] {always}, trusted);
    }

    public static MtlsProbe withoutClientCertificate(List<X509Certificate> trusted) throws GeneralSecurityException, IOException {
        return new MtlsProbe(context(null, trusted));
    }

    /** Always offers the one client key, ignoring the issuers the server lists. */
    private static final class AlwaysPresent extends X509ExtendedKeyManager {
        private final X509ExtendedKeyManager delegate;

        AlwaysPresent(X509ExtendedKeyManager delegate) {
            this.delegate = delegate;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return "client";
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return "client";
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return delegate.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return delegate.getPrivateKey(alias);
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[] {"client"};
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }

    private static SSLContext context(KeyManager[] keyManagers, List<X509Certificate> trusted) throws GeneralSecurityException, IOException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        for (int i = 0; i < trusted.size(); i++) {
            trust.setCertificateEntry("ca-" + i, trusted.get(i));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(keyManagers, tmf.getTrustManagers(), null);
        return context;
    }

    public Outcome get(String host, int port, String path) {
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
            socket.connect(new InetSocketAddress(host, port), 5_000);
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            List<X509Certificate> peer = List.of(socket.getSession().getPeerCertificates()).stream()
                    .map(X509Certificate.class::cast).toList();
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: customer-service\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String response = readAll(socket.getInputStream());
            if (!response.startsWith("HTTP/1.1 ")) {
                return new Outcome(-1, response, peer, new IOException("no HTTP response, got " + response.length() + " bytes"));
            }
            int status = Integer.parseInt(response.substring(9, 12));
            int bodyStart = response.indexOf("\r\n\r\n");
            return new Outcome(status, bodyStart < 0 ? "" : response.substring(bodyStart + 4), peer, null);
        } catch (IOException e) {
            return new Outcome(-1, "", List.of(), e);
        }
    }

    static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        in.transferTo(buffer);
        return buffer.toString(StandardCharsets.UTF_8);
    }
}
