package org.spiffelab.scenario.k8s;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * On any failure (a test, or a deploy in a {@code @BeforeAll}): what the cluster says — pods, describe, events,
 * every container's log — and the same Envoy and SPIRE diagnostics as on Docker (Envoy's /config_dump, /certs,
 * /stats; spire-server entry show), written under target/scenario-reports/KubernetesScenarioIT/, tails printed.
 */
final class ClusterDiagnostics implements TestWatcher, LifecycleMethodExecutionExceptionHandler {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Supplier<Kubectl> kubectl;

    ClusterDiagnostics(Supplier<Kubectl> kubectl) {
        this.kubectl = kubectl;
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        dump(context.getRequiredTestClass().getSimpleName() + "-" + context.getDisplayName());
    }

    @Override
    public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        dump(context.getRequiredTestClass().getSimpleName() + "-beforeAll");
        throw throwable;
    }

    void dump(String name) {
        Kubectl k = kubectl.get();
        if (k == null) {
            return;
        }
        Path dir = Path.of(System.getProperty("lab.reports", "target/scenario-reports"), "KubernetesScenarioIT",
                name.replaceAll("[^A-Za-z0-9._-]", "_"));
        StringBuilder summary = new StringBuilder("\n===== Kubernetes diagnostics -> " + dir + "\n");
        try {
            Files.createDirectories(dir);
            save(dir, "pods.txt", () -> k.run("get", "pods", "-A", "-o", "wide").out(), summary, true);
            save(dir, "describe-pods.txt", () -> k.run("describe", "pods", "-n", "demo").out() + k.run("describe", "pods", "-n", "spire").out(), summary, false);
            save(dir, "events.txt", () -> k.run("get", "events", "-A", "--sort-by=.lastTimestamp").out(), summary, true);
            save(dir, "clusterspiffeid.yaml", () -> k.run("get", "clusterspiffeids", "-o", "yaml").out(), summary, false);
            for (String ns : new String[] {"spire", "demo"}) {
                save(dir, "logs-" + ns + ".txt", () -> k.run("-n", ns, "logs", "--all-containers", "--prefix", "--tail=300",
                        "-l", "app", "--max-log-requests=20").out(), summary, true);
            }
            save(dir, "spire-entries.txt", () -> k.run("-n", "spire", "exec", "spire-server-0", "-c", "spire-server", "--",
                    "/opt/spire/bin/spire-server", "entry", "show").out(), summary, false);
            String pod = k.run("-n", "demo", "get", "pods", "-l", "app=customer-service", "-o", "jsonpath={.items[0].metadata.name}").out();
            if (!pod.isBlank()) {
                try (PortForward admin = PortForward.open(k, "demo", "pod/" + pod, 9901)) {
                    for (String path : new String[] {"/config_dump", "/certs", "/stats"}) {
                        save(dir, "envoy" + path.replace('/', '-') + ".txt", () -> get(admin.localPort(), path), summary, false);
                    }
                } catch (RuntimeException | AssertionError e) {
                    summary.append("Envoy admin unavailable: ").append(e.getMessage()).append('\n');
                }
            }
        } catch (IOException | RuntimeException e) {
            summary.append("could not write all diagnostics: ").append(e).append('\n');
        }
        System.out.println(summary);
    }

    private static String get(int port, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void save(Path dir, String file, Supplier<String> content, StringBuilder summary, boolean printTail) throws IOException {
        String text;
        try {
            text = content.get();
        } catch (RuntimeException | AssertionError e) {
            text = "unavailable: " + e.getMessage();
        }
        Files.writeString(dir.resolve(file), text);
        summary.append("wrote ").append(file).append(" (").append(text.length()).append(" chars)\n");
        if (printTail) {
            String[] lines = text.split("\n");
            summary.append(String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 25), lines.length))).append('\n');
        }
    }
}
