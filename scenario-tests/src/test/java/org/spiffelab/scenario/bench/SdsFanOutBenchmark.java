package org.spiffelab.scenario.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.model.Bind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.spiffelab.harness.LabContainer;
import org.spiffelab.harness.LabImages;
import org.spiffelab.harness.LabProperties;
import org.spiffelab.harness.LabStack;
import org.spiffelab.harness.StackSpec;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * Rerunnable benchmark (not a test): the SDS fan-out of the SPIRE agent's own SDS against sds-agent's, both fed by the
 * same SPIRE agent whose short-lived SVIDs rotate. A load container ({@code SdsFanOut}) opens N streams to one server
 * at a time (mode {@code alternate}, as each is deployed; {@code together} loads both at once) and records when each
 * stream held the next certificate; delays count from the earliest arrival of that certificate on the Workload API (a
 * reference stream to the agent) or on the phase's streams. Per server: delay p50/p99, CPU (cores averaged over its
 * phases; for sds-agent also with the agent behind it) and RSS with its streams open — printed with the ratio
 * sds-agent / SPIRE from the same run.
 *
 * <pre>scripts/benchmark-sds.sh [streams] [rotation sets] [alternate|together]</pre>
 */
public final class SdsFanOutBenchmark {

    /**
     * The load's JVM, fixed here: it runs in the sds-agent image, whose JDK_JAVA_OPTIONS are sds-agent's to tune, and
     * a change there must not move the load (which shares the 2 cores and decides when a stream "holds" a certificate).
     */
    private static final String LOAD_JVM_OPTIONS = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss256k -Xms8m -Xmx128m"
            + " -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:ReservedCodeCacheSize=32m -XX:MaxMetaspaceSize=96m -XX:MaxDirectMemorySize=64m";
    private static final String SPIRE = "spire";
    private static final String SDS_AGENT = "sds-agent";

    private SdsFanOutBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int streams = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int sets = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String mode = args.length > 2 ? args[2] : "alternate";
        LabProperties lab = LabProperties.load();
        LabImages images = LabImages.fromEnvironment(lab);
        try (LabStack stack = new LabStack(lab, images, StackSpec.sdsAgent(lab), null, line -> System.out.println("==> " + line))) {
            stack.start();
            Map<String, ContainerResources> servers = Map.of(
                    SPIRE, new ContainerResources(container(stack, "spire-agent").getContainerId()),
                    SDS_AGENT, new ContainerResources(container(stack, "sds-agent").getContainerId()));
            System.out.printf("==> load (%s): %d streams per server, %d rotation sets (SVID TTL %ds)%n", mode, streams, sets,
                    StackSpec.SDS_AGENT_SVID_TTL_SECONDS);
            Phases phases = new Phases(servers);
            StringBuilder errors = new StringBuilder();
            try (GenericContainer<?> load = new GenericContainer<>(DockerImageName.parse(stack.sdsAgentImage()))
                    .withLabel(lab.get("WORKLOAD_LABEL"), "customer-service")
                    .withEnv("JDK_JAVA_OPTIONS", LOAD_JVM_OPTIONS)
                    .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withBinds(
                            Bind.parse(stack.spireSocketVolume() + ":" + lab.get("SPIRE_AGENT_SOCKET_DIR") + ":ro"),
                            Bind.parse(stack.sdsSocketVolume() + ":" + lab.get("SDS_AGENT_SOCKET_DIR") + ":ro")))
                    .withCopyFileToContainer(MountableFile.forHostPath(lab.root().resolve("benchmarks/target/benchmarks.jar")),
                            "/opt/bench/benchmarks.jar")
                    .withCreateContainerCmdModifier(cmd -> cmd.withEntrypoint("java"))
                    .withCommand("-Xmx512m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=error",
                            "-cp", "/opt/sds-agent/sds-agent.jar:/opt/bench/benchmarks.jar", "org.spiffelab.sds.bench.SdsFanOut",
                            "--streams=" + streams, "--sets=" + sets, "--mode=" + mode, "--resource=" + lab.get("CUSTOMER_SERVICE_ID"),
                            "--reference=unix:" + lab.get("SPIRE_AGENT_SOCKET"),
                            "--target=" + SPIRE + "=unix:" + lab.get("SPIRE_AGENT_SOCKET"),
                            "--target=" + SDS_AGENT + "=unix:" + lab.get("SDS_AGENT_SOCKET"))
                    .withLogConsumer(frame -> {
                        if (frame.getType() == OutputFrame.OutputType.STDERR) {
                            errors.append(frame.getUtf8String());
                        } else {
                            phases.accept(frame.getUtf8String());
                        }
                    })
                    .withStartupCheckStrategy(new OneShotStartupCheckStrategy()
                            .withTimeout(Duration.ofSeconds(120L + 6L * sets * StackSpec.SDS_AGENT_SVID_TTL_SECONDS)))) {
                load.start();
            } catch (RuntimeException e) {
                throw new IllegalStateException("the load failed: " + errors.toString().strip(), e);
            }
            if (!errors.isEmpty()) {
                System.out.println(errors.toString().strip());
            }
            phases.report(streams, sets, mode);
        }
    }

    /** Follows the load's output: phase boundaries sample the servers' cgroups, measurement rows collect delays. */
    private static final class Phases {
        private final Map<String, ContainerResources> servers;
        private final ObjectMapper json = new ObjectMapper();
        private final StringBuilder partial = new StringBuilder();
        /** per target: delays of every stream, the first stream's delay per set. */
        private final Map<String, List<Long>> delays = new LinkedHashMap<>();
        private final Map<String, List<Long>> firsts = new LinkedHashMap<>();
        /** per target: when the Workload API reference held each measured certificate. */
        private final Map<String, List<Long>> references = new LinkedHashMap<>();
        /** per target: CPU nanos of each server during the target's phases, and those phases' seconds. */
        private final Map<String, Map<String, Long>> cpu = new HashMap<>();
        private final Map<String, Long> phaseNanos = new HashMap<>();
        private final Map<String, Long> rss = new HashMap<>();
        private final Map<String, Map<String, Long>> startCpu = new HashMap<>();
        private final Map<String, Long> startedAt = new HashMap<>();

        Phases(Map<String, ContainerResources> servers) {
            this.servers = servers;
        }

        synchronized void accept(String chunk) {
            partial.append(chunk);
            int newline;
            while ((newline = partial.indexOf("\n")) >= 0) {
                String line = partial.substring(0, newline).strip();
                partial.delete(0, newline + 1);
                try {
                    line(line);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }

        private void line(String line) throws IOException {
            if (!line.startsWith("{")) {
                return;
            }
            JsonNode row = json.readTree(line);
            String target = row.path("target").asText();
            switch (row.path("event").asText()) {
                case "start" -> {
                    startedAt.put(target, System.nanoTime());
                    Map<String, Long> now = new HashMap<>();
                    for (Map.Entry<String, ContainerResources> server : servers.entrySet()) {
                        now.put(server.getKey(), server.getValue().cpuNanos());
                    }
                    startCpu.put(target, now);
                }
                case "end" -> {
                    phaseNanos.merge(target, System.nanoTime() - startedAt.get(target), Long::sum);
                    for (Map.Entry<String, ContainerResources> server : servers.entrySet()) {
                        cpu.computeIfAbsent(target, k -> new HashMap<>()).merge(server.getKey(),
                                server.getValue().cpuNanos() - startCpu.get(target).get(server.getKey()), Long::sum);
                    }
                    rss.merge(target, servers.get(target).rssBytes(), Math::max);
                }
                default -> {
                    List<Long> list = delays.computeIfAbsent(target, k -> new ArrayList<>());
                    row.path("delaysNanos").forEach(n -> list.add(n.asLong()));
                    firsts.computeIfAbsent(target, k -> new ArrayList<>()).add(row.path("delaysNanos").get(0).asLong());
                    if (row.path("referenceNanos").asLong() >= 0) {
                        references.computeIfAbsent(target, k -> new ArrayList<>()).add(row.path("referenceNanos").asLong());
                    }
                }
            }
        }

        /** Average cores {@code server} used during {@code target}'s phases. */
        private double cores(String target, String server) {
            return cpu.get(target).get(server) / (double) phaseNanos.get(target);
        }

        synchronized void report(int streams, int sets, String mode) {
            if (!delays.containsKey(SPIRE) || !delays.containsKey(SDS_AGENT)) {
                throw new IllegalStateException("the load measured no complete rotation on both servers");
            }
            double spireP50 = percentile(delays.get(SPIRE), 50);
            double spireP99 = percentile(delays.get(SPIRE), 99);
            double sdsP50 = percentile(delays.get(SDS_AGENT), 50);
            double sdsP99 = percentile(delays.get(SDS_AGENT), 99);
            double spireCores = cores(SPIRE, SPIRE);
            double sdsCores = cores(SDS_AGENT, SDS_AGENT);
            double sdsWithAgent = sdsCores + cores(SDS_AGENT, SPIRE);
            double spireRss = rss.get(SPIRE) / 1048576.0;
            double sdsRss = rss.get(SDS_AGENT) / 1048576.0;
            boolean alone = mode.equals("alternate");
            System.out.printf("""

                    SDS fan-out (%s): %d streams per server, %d rotation sets
                    (delay = when a stream held the new certificate, after the Workload API or the first stream held it)

                                                 SPIRE agent SDS     sds-agent     ratio sds-agent/SPIRE
                      Workload API push (ms)     %12s  %12s     (the reference stream; median over sets)
                      first stream (ms)          %12.1f  %12.1f     (median over sets)
                      delay p50 (ms)             %12.1f  %12.1f     %8.2f
                      delay p99 (ms)             %12.1f  %12.1f     %8.2f
                      CPU (cores, avg)           %12.3f  %12.3f     %8.2f
                    """, mode, streams, sets, median(references.get(SPIRE)), median(references.get(SDS_AGENT)),
                    percentile(firsts.get(SPIRE), 50), percentile(firsts.get(SDS_AGENT), 50),
                    spireP50, sdsP50, ratio(sdsP50, spireP50), spireP99, sdsP99, ratio(sdsP99, spireP99),
                    spireCores, sdsCores, ratio(sdsCores, spireCores));
            if (alone) {
                // both servers ran in every phase; only alone does the agent's CPU in sds-agent's phases belong to it
                System.out.printf("  CPU with its SPIRE agent   %12.3f  %12.3f     %8.2f%n", spireCores, sdsWithAgent,
                        ratio(sdsWithAgent, spireCores));
            }
            System.out.printf("  RSS, streams open (MiB)    %12.1f  %12.1f     %8.2f%n", spireRss, sdsRss, ratio(sdsRss, spireRss));
            System.out.println("  (SPIRE's figures are its whole agent: attestation, caches, the Workload API"
                    + (alone ? "; with sds-agent the agent still runs, and the second CPU row adds its CPU during sds-agent's phases.)" : ".)"));
        }
    }

    private static String median(List<Long> nanos) {
        return nanos == null ? "-" : String.format("%.1f", percentile(nanos, 50));
    }

    private static double ratio(double a, double b) {
        return b == 0 ? Double.NaN : a / b;
    }

    private static double percentile(List<Long> nanos, int p) {
        List<Long> sorted = nanos.stream().sorted().toList();
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, index)) / 1e6;
    }

    private static LabContainer<?> container(LabStack stack, String role) {
        return stack.containers().stream().filter(c -> c.role().equals(role)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + role + " container"));
    }
}
