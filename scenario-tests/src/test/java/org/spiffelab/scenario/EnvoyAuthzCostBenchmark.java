package org.spiffelab.scenario;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.awaitility.Awaitility;
import org.spiffelab.harness.LabImages;
import org.spiffelab.harness.LabProperties;
import org.spiffelab.harness.LabStack;
import org.spiffelab.harness.StackSpec;
import org.spiffelab.harness.SvidPem;
import org.spiffelab.harness.ToolboxContainer;

/**
 * Rerunnable benchmark (not a test): the whole request through customer-service's Envoy — mTLS, HTTP, nginx — without
 * ext_authz (scenario x509) and with JWT-SVID validation by sds-agent (scenario jwt), from one keep-alive client.
 * Prints p50/p99 and the ratio. Run by scripts/benchmark-authz.sh.
 */
public final class EnvoyAuthzCostBenchmark {

    private EnvoyAuthzCostBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int requests = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        // The client connects to localhost; the server is authenticated by its chain to SPIRE's bundle.
        System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
        LabProperties lab = LabProperties.load();
        LabImages images = LabImages.fromEnvironment(lab);
        double[] plain = run(lab, images, StackSpec.x509(lab), requests, false);
        double[] authz = run(lab, images, StackSpec.jwt(lab, 0), requests, true);
        System.out.printf("""

                Whole request through customer-service's Envoy (mTLS, keep-alive, GET /api/customers/1001/balance), %d requests each

                                      without ext_authz     with JWT-SVID ext_authz     ratio
                  latency p50 (ms)    %12.3f          %12.3f              %8.2f
                  latency p99 (ms)    %12.3f          %12.3f              %8.2f
                """, requests, plain[0], authz[0], authz[0] / plain[0], plain[1], authz[1], authz[1] / plain[1]);
        System.exit(0);
    }

    private static double[] run(LabProperties lab, LabImages images, StackSpec spec, int requests, boolean withToken) throws Exception {
        try (LabStack stack = new LabStack(lab, images, spec, null, line -> System.out.println("==> " + line))) {
            stack.start();
            ToolboxContainer client = stack.startWorkload("webapp");
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> client.fetchX509Svid().getExitCode() == 0);
            SvidPem svid = client.svidPem();
            String token = withToken ? client.fetchJwtSvid(lab.get("CUSTOMER_SERVICE_ID")) : null;
            SSLContext tls = MtlsProbe.clientContext(Pem.certificates(svid.certChain()), Pem.ecPrivateKey(svid.privateKey()),
                    Pem.certificates(svid.bundle()));
            HttpClient http = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1).build();
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://localhost:" + stack.pod().publishedTlsPort()
                    + "/api/customers/1001/balance"));
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            HttpRequest get = request.build();
            for (int i = 0; i < 300; i++) {
                send(http, get);
            }
            List<Long> latencies = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                long start = System.nanoTime();
                send(http, get);
                latencies.add(System.nanoTime() - start);
            }
            latencies.sort(null);
            System.out.printf("==> [%s] %d requests measured%n", spec.scenario(), requests);
            return new double[] {latencies.get(latencies.size() / 2) / 1e6, latencies.get((int) (latencies.size() * 0.99)) / 1e6};
        }
    }

    private static void send(HttpClient http, HttpRequest request) throws Exception {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("benchmark request answered " + response.statusCode() + ": " + response.body());
        }
    }
}
