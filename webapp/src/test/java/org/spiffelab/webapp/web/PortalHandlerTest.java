package org.spiffelab.webapp.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.spiffe.spiffeid.SpiffeId;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.Map;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.spiffelab.webapp.config.WebappConfig;
import org.spiffelab.webapp.customer.CustomerServiceClient;
import org.spiffelab.webapp.testing.TestPki;
import org.spiffelab.webapp.testing.X509SourceStub;
import org.spiffelab.webapp.tls.PinnedPeerTrustManager;
import org.spiffelab.webapp.tls.SpiffeTls;
import org.spiffelab.webapp.workload.WorkloadIdentity;

class PortalHandlerTest {

    TestPki pki;
    X509SourceStub source;
    Server server;
    CustomerServiceClient customers;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        pki = new TestPki("example.org");
        source = new X509SourceStub(null, pki.bundle());
        String socket = "unix:" + Files.createTempFile("agent", ".sock");
        // customer-service is not running: the page must explain, not crash.
        WebappConfig config = WebappConfig.from(new String[] {"--customer-service-url=https://127.0.0.1:1"},
                Map.of("SPIFFE_ENDPOINT_SOCKET", socket));
        PinnedPeerTrustManager trust = SpiffeTls.pinnedTo(source, SpiffeId.parse(WebappConfig.DEFAULT_CUSTOMER_SERVICE_ID));
        customers = new CustomerServiceClient(config.customerServiceUrl(), SpiffeTls.clientContext(source, trust));
        server = WebServer.create(0, WebServer.Limits.DEFAULT,
                new PortalHandler(new Portal(config, new WorkloadIdentity(source, () -> 1), customers), WebServer.Limits.DEFAULT.maxConcurrentViews()));
        server.start();
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
        customers.close();
    }

    @Test
    void healthIsReadyOnlyOnceAnSvidIsHeld() throws Exception {
        assertThat(get("/healthz").statusCode()).isEqualTo(503);
        source.rotate(pki.issue("spiffe://example.org/ns/demo/sa/webapp"));
        HttpResponse<String> ready = get("/healthz");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("spiffe://example.org/ns/demo/sa/webapp");
    }

    @Test
    void pageWithoutSvidSaysSoInPlainWords() throws Exception {
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("No identity yet").doesNotContain("Exception");
    }

    @Test
    void unreachableServiceIsExplainedOnPageAndJson() throws Exception {
        source.rotate(pki.issue("spiffe://example.org/ns/demo/sa/webapp"));
        // The page keeps hyphenated words whole in markup: read its text.
        assertThat(get("/").body().replaceAll("<[^>]*>", "")).contains("customer-service is unreachable");
        assertThat(get("/api/portal").body()).contains("\"reason\":\"UNREACHABLE\"").contains("direct mTLS");
    }

    @Test
    void unknownPathsAndMethodsAreRefused() throws Exception {
        assertThat(get("/nope").statusCode()).isEqualTo(404);
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(url("/")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
    }

    @Test
    void healthAnswersWhileAPageViewWaitsOnASilentCustomerService() throws Exception {
        source.rotate(pki.issue("spiffe://example.org/ns/demo/sa/webapp"));
        try (SilentPeer silent = new SilentPeer();
             CustomerServiceClient toSilent = new CustomerServiceClient(URI.create("https://127.0.0.1:" + silent.port()),
                     SpiffeTls.clientContext(source, SpiffeTls.pinnedTo(source, SpiffeId.parse(WebappConfig.DEFAULT_CUSTOMER_SERVICE_ID))))) {
            server.stop();
            WebappConfig config = WebappConfig.from(new String[] {"--customer-service-url=https://127.0.0.1:" + silent.port()},
                    Map.of("SPIFFE_ENDPOINT_SOCKET", "unix:" + Files.createTempFile("agent", ".sock")));
            server = WebServer.create(0, WebServer.Limits.DEFAULT,
                    new PortalHandler(new Portal(config, new WorkloadIdentity(source, () -> 1), toSilent), WebServer.Limits.DEFAULT.maxConcurrentViews()));
            server.start();

            CompletableFuture<HttpResponse<String>> page = http.sendAsync(HttpRequest.newBuilder(url("/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(silent.awaitConnection()).as("the page view reached customer-service").isTrue();
            // The view now waits for a server that never answers. /healthz must not wait behind it.
            HttpResponse<String> health = get("/healthz");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(page).as("the page view is still waiting: /healthz was answered beside it, not after it").isNotDone();
            assertThat(page.get().body()).contains("customer-service");
        }
    }

    /** Accepts TCP connections and never sends a byte: a customer-service that hangs. */
    static final class SilentPeer implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        private final List<Socket> accepted = new CopyOnWriteArrayList<>();
        private final CountDownLatch first = new CountDownLatch(1);
        private final Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    accepted.add(socket.accept());
                    first.countDown();
                }
            } catch (IOException closed) {
                // close() ends the loop
            }
        });

        SilentPeer() throws IOException {
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        boolean awaitConnection() throws InterruptedException {
            return first.await(30, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(url(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort() + path);
    }
}
