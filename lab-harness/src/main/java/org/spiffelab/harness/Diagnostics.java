package org.spiffelab.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * What a person needs to see when a scenario fails: Envoy's /config_dump, /certs and /stats, the SPIRE server's
 * entries and every container's log. Written to files, with the tails printed.
 */
public final class Diagnostics {

    private static final int TAIL_LINES = 25;

    private Diagnostics() {
    }

    public static Path dump(LabStack stack, Path dir) {
        try {
            Files.createDirectories(dir);
            StringBuilder summary = new StringBuilder("\n===== diagnostics for scenario " + stack.spec().scenario() + " -> " + dir + "\n");
            if (stack.podProbe() != null && stack.podProbe().isRunning()) {
                save(dir, "envoy-config_dump.json", () -> stack.envoyAdmin("/config_dump?include_eds"), summary);
                save(dir, "envoy-certs.json", () -> stack.envoyAdmin("/certs"), summary);
                save(dir, "envoy-stats.txt", () -> stack.envoyAdmin("/stats"), summary);
            }
            if (stack.spireServer() != null && stack.spireServer().isRunning()) {
                save(dir, "spire-entries.txt", () -> stack.spireServer().entryShow(), summary);
            }
            for (LabContainer<?> container : stack.containers()) {
                if (container.getContainerId() == null) {
                    continue;
                }
                String logs = container.getLogs();
                Files.writeString(dir.resolve("log-" + container.role() + ".txt"), logs);
                summary.append("----- ").append(container.role()).append(" (last ").append(TAIL_LINES).append(" log lines)\n")
                        .append(tail(logs)).append('\n');
            }
            System.out.println(summary);
        } catch (IOException | RuntimeException e) {
            System.out.println("could not write all diagnostics to " + dir + ": " + e);
        }
        return dir;
    }

    private static void save(Path dir, String name, Supplier<String> content, StringBuilder summary) throws IOException {
        String text;
        try {
            text = content.get();
        } catch (RuntimeException e) {
            text = "unavailable: " + e.getMessage();
        }
        Files.writeString(dir.resolve(name), text);
        summary.append("wrote ").append(name).append(" (").append(text.length()).append(" chars)\n");
    }

    private static String tail(String text) {
        String[] lines = text.split("\n");
        int from = Math.max(0, lines.length - TAIL_LINES);
        return String.join("\n", java.util.Arrays.copyOfRange(lines, from, lines.length));
    }
}
