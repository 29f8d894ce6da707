package org.spiffelab.webapp.customer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import java.security.cert.X509Certificate;
import org.eclipse.jetty.client.Connection;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.spiffelab.webapp.customer.PortalResult.Failure;
import org.spiffelab.webapp.customer.PortalResult.Reason;
import org.spiffelab.webapp.tls.PeerRejectedException;
import org.spiffelab.webapp.tls.PinnedPeerTrustManager;

/** Reads a customer's profile, balance and transactions from customer-service over mTLS. */
public final class CustomerServiceClient implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY_SHOWN = 500;

    private final URI baseUrl;
    private final HttpClient http;

    public CustomerServiceClient(URI baseUrl, SSLContext mtls) {
        this.baseUrl = baseUrl;
        SslContextFactory.Client tls = new SslContextFactory.Client();
        tls.setSslContext(mtls);
        // The server is authenticated by its SPIFFE ID in the trust manager, never by hostname.
        tls.setEndpointIdentificationAlgorithm(null);
        ClientConnector connector = new ClientConnector();
        connector.setSslContextFactory(tls);
        this.http = new HttpClient(new HttpClientTransportOverHTTP(connector));
        this.http.setConnectTimeout(5_000);
        // No User-Agent naming Jetty and its version on our calls either.
        this.http.setUserAgentField(null);
        try {
            http.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the HTTP client", e);
        }
    }

    /**
     * The customer's profile, balance and transactions, and the SPIFFE ID the server proved on the connection that
     * carried these requests (pooled connections are reused, so this is per call, not the last handshake's).
     */
    public CustomerCall customer(String id) {
        String base = "/api/customers/" + id;
        Exchange exchange = new Exchange();
        try {
            JsonNode profile = get(base, exchange);
            PortalResult data = new PortalResult.Data(profile, get(base + "/balance", exchange), get(base + "/transactions", exchange),
                    exchange.authorizedSubject);
            return new CustomerCall(data, exchange.verifiedPeer, exchange.peerCertificate);
        } catch (CallFailed e) {
            return new CustomerCall(e.failure, exchange.verifiedPeer, exchange.peerCertificate);
        }
    }

    /** What the responses of one call said besides their bodies. */
    private static final class Exchange {
        /** The X-Authorized-Subject response header, when customer-service sends one (scenario jwt). */
        String authorizedSubject;
        /** The SPIFFE ID in the server certificate of the connection the last response came on; null without TLS. */
        String verifiedPeer;
        /** That connection's server leaf certificate; null without TLS. */
        X509Certificate peerCertificate;

        void connection(Connection connection) {
            X509Certificate[] chain = connection == null || connection.getSslSessionData() == null ? null
                    : connection.getSslSessionData().peerCertificates();
            peerCertificate = chain == null || chain.length == 0 ? null : chain[0];
            verifiedPeer = peerCertificate == null ? null : PinnedPeerTrustManager.spiffeIdOf(peerCertificate);
        }
    }

    private JsonNode get(String path, Exchange exchange) throws CallFailed {
        ContentResponse response;
        try {
            Request request = http.newRequest(baseUrl.resolve(path)).timeout(10, TimeUnit.SECONDS);
            // A response means the handshake passed PinnedPeerTrustManager: the connection's peer is verified.
            request.onResponseBegin(r -> exchange.connection(request.getConnection()));
            response = request.send();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CallFailed(new Failure(Reason.UNREACHABLE, "interrupted", 0, ""));
        } catch (ExecutionException | TimeoutException e) {
            throw new CallFailed(explain(e));
        }
        String body = response.getContentAsString();
        if (response.getHeaders().get("X-Authorized-Subject") != null) {
            exchange.authorizedSubject = response.getHeaders().get("X-Authorized-Subject");
        }
        if (response.getStatus() == 401) {
            throw new CallFailed(new Failure(Reason.NOT_AUTHENTICATED,
                    "customer-service did not accept this workload's JWT-SVID (HTTP 401) for " + path, 401, shorten(body)));
        }
        if (response.getStatus() == 403) {
            throw new CallFailed(new Failure(Reason.DENIED_BY_POLICY,
                    "customer-service's policy denied this request (HTTP 403): this workload's SPIFFE ID is not allowed to " + path,
                    403, shorten(body)));
        }
        if (response.getStatus() / 100 != 2) {
            throw new CallFailed(new Failure(Reason.HTTP_ERROR,
                    "customer-service answered HTTP " + response.getStatus() + " for " + path, response.getStatus(), shorten(body)));
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new CallFailed(new Failure(Reason.HTTP_ERROR, "customer-service sent something that is not JSON for " + path,
                    response.getStatus(), shorten(body)));
        }
    }

    /** Turns a failed exchange into words a person can act on. */
    static Failure explain(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof PeerRejectedException rejected) {
                return new Failure(Reason.SERVER_NOT_TRUSTED, "TLS handshake refused by this webapp: the server presented "
                        + rejected.presented() + ", but only " + rejected.expected() + " is accepted", 0, "");
            }
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                return new Failure(Reason.TLS_HANDSHAKE_FAILED, "TLS handshake with customer-service failed: " + t.getMessage()
                        + " (does customer-service trust this workload's trust domain?)", 0, "");
            }
            if (t instanceof ConnectException || t instanceof UnresolvedAddressException) {
                return new Failure(Reason.UNREACHABLE, "cannot connect to customer-service: " + t, 0, "");
            }
            if (t instanceof TimeoutException) {
                return new Failure(Reason.UNREACHABLE, "customer-service did not answer in time", 0, "");
            }
            if (t instanceof IllegalStateException && String.valueOf(t.getMessage()).contains("SVID")) {
                return new Failure(Reason.NO_SVID, "this webapp holds no SVID yet: " + t.getMessage(), 0, "");
            }
        }
        return new Failure(Reason.UNREACHABLE, "the call to customer-service failed: " + error.getClass().getSimpleName()
                + (error.getMessage() == null ? "" : ": " + error.getMessage()), 0, "");
    }

    private static String shorten(String body) {
        String trimmed = body.strip();
        return trimmed.length() <= MAX_BODY_SHOWN ? trimmed : trimmed.substring(0, MAX_BODY_SHOWN) + "…";
    }

    private static final class CallFailed extends Exception {
        private final transient Failure failure;

        CallFailed(Failure failure) {
            super(failure.message(), null, false, false);
            this.failure = failure;
        }
    }

    @Override
    public void close() {
        try {
            http.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop the HTTP client", e);
        }
    }
}
