package org.spiffelab.webapp.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpHeader;
import org.awaitility.Awaitility;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The server's own defences, with a trivial handler: slow clients, too many clients, what it reveals about itself. */
class WebServerTest {

    Server server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void clientTricklingItsHeadersIsCutOffAtTheHeaderDeadline() throws Exception {
        // The idle timeout alone would never fire: a byte arrives every 200 ms.
        start(new WebServer.Limits(16, Duration.ofSeconds(60), Duration.ofSeconds(1), 16, 4));
        try (Socket client = connect()) {
            AtomicBoolean closedByServer = new AtomicBoolean();
            Thread trickle = new Thread(() -> {
                try {
                    OutputStream out = client.getOutputStream();
                    out.write("GET /ok HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                    for (int i = 0; i < 100 && !closedByServer.get(); i++) {
                        out.write('X');
                        out.flush();
                        Thread.sleep(200);
                    }
                } catch (Exception e) {
                    // the server closed the connection
                }
            });
            trickle.setDaemon(true);
            trickle.start();
            // SO_TIMEOUT (10 s) fails the test if the server never closes the connection.
            assertThat(client.getInputStream().read()).as("server closed the connection without answering").isEqualTo(-1);
            closedByServer.set(true);
        }
    }

    @Test
    void silentConnectionIsClosedButOneThatSentARequestIsAnswered() throws Exception {
        start(new WebServer.Limits(16, Duration.ofSeconds(60), Duration.ofSeconds(1), 16, 4));
        try (Socket silent = connect(); Socket talking = connect()) {
            talking.getOutputStream().write("GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readAll(talking.getInputStream())).startsWith("HTTP/1.1 200").contains("ok");
            assertThat(silent.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void atTheConnectionLimitTheServerStopsAcceptingUntilSilentConnectionsAreCut() throws Exception {
        start(new WebServer.Limits(2, Duration.ofSeconds(60), Duration.ofSeconds(2), 16, 4));
        ServerConnector connector = (ServerConnector) server.getConnectors()[0];
        try (Socket silent1 = connect(); Socket silent2 = connect()) {
            Awaitility.await("the limit reached").atMost(Duration.ofSeconds(10))
                    .until(() -> server.getBean(NetworkConnectionLimit.class).getNetworkConnectionCount() == 2 && !connector.isAccepting());
            // A third client waits in the backlog; the header deadline frees the slots and it is served.
            HttpResponse<String> third = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url("/ok"))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(third.body()).isEqualTo("ok");
            assertThat(silent1.getInputStream().read()).isEqualTo(-1);
            assertThat(silent2.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void responsesDoNotNameTheServerAndJettysOwnErrorsGetThePortalsPage() throws Exception {
        start(WebServer.Limits.DEFAULT);
        HttpResponse<String> ok = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url("/ok")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ok.headers().firstValue("server")).isEmpty();
        assertThat(ok.headers().firstValue("x-powered-by")).isEmpty();

        try (Socket client = connect()) {
            client.getOutputStream().write("GET /ok HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String reply = readAll(client.getInputStream());
            assertThat(reply).startsWith("HTTP/1.1 400").contains("the portal could not serve this request")
                    .doesNotContainIgnoringCase("jetty").doesNotContain("<html").doesNotContainIgnoringCase("server:");
        }
    }

    private void start(WebServer.Limits limits) throws Exception {
        server = WebServer.create(0, limits, new Handler.Abstract(Handler.Abstract.InvocationType.BLOCKING) {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
                response.write(true, StandardCharsets.UTF_8.encode("ok"), callback);
                return true;
            }
        });
        server.start();
    }

    private Socket connect() throws Exception {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port());
        socket.setSoTimeout(10_000);
        return socket;
    }

    private int port() {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    private static String readAll(InputStream in) throws Exception {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
}
