package org.spiffelab.scenario.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.spiffelab.harness.LabContainer;
import org.spiffelab.harness.LabImages;
import org.spiffelab.harness.LabProperties;
import org.spiffelab.harness.LabStack;
import org.spiffelab.harness.StackSpec;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;
import org.testcontainers.utility.DockerImageName;

/**
 * Rerunnable benchmark (not a test): N concurrent SDS streams on the SPIRE agent's own SDS and N on sds-agent, both fed
 * by the same SPIRE agent whose short-lived SVIDs rotate. For each rotation: how long after the first stream anywhere
 * held the new certificate each stream held it (p50/p99), and each server's CPU and RSS — printed with the ratio
 * sds-agent / SPIRE measured in the same run.
 *
 * <pre>scripts/benchmark-sds.sh [streams] [rotations]</pre>
 */
public final class SdsFanOutBenchmark {

    /**
     * The load's JVM, fixed here: it runs in the sds-agent image, whose JDK_JAVA_OPTIONS are sds-agent's to tune, and
     * a change there must not move the load (which shares the 2 cores and decides when a stream "holds" a certificate).
     */
    private static final String LOAD_JVM_OPTIONS = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss256k -Xms8m -Xmx128m"
            + " -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:ReservedCodeCacheSize=32m -XX:MaxMetaspaceSize=96m -XX:MaxDirectMemorySize=64m";

    private SdsFanOutBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int streams = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int rotations = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        LabProperties lab = LabProperties.load();
        LabImages images = LabImages.fromEnvironment(lab);
        try (LabStack stack = new LabStack(lab, images, StackSpec.sdsAgent(lab), null, line -> System.out.println("==> " + line))) {
            stack.start();
            ContainerResources spire = new ContainerResources(container(stack, "spire-agent").getContainerId());
            ContainerResources sds = new ContainerResources(container(stack, "sds-agent").getContainerId());
            String sdsVolume = stack.sdsSocketVolume();

            System.out.printf("==> load: %d streams on each server, until %d rotations (SVID TTL %ds)%n", streams, rotations,
                    StackSpec.SDS_AGENT_SVID_TTL_SECONDS);
            long spireCpu = spire.cpuNanos();
            long sdsCpu = sds.cpuNanos();
            long started = System.nanoTime();
            String output;
            try (GenericContainer<?> load = new GenericContainer<>(DockerImageName.parse(stack.sdsAgentImage()))
                    .withLabel(lab.get("WORKLOAD_LABEL"), "customer-service")
                    .withEnv("JDK_JAVA_OPTIONS", LOAD_JVM_OPTIONS)
                    .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withBinds(
                            com.github.dockerjava.api.model.Bind.parse(stack.spireSocketVolume() + ":" + lab.get("SPIRE_AGENT_SOCKET_DIR") + ":ro"),
                            com.github.dockerjava.api.model.Bind.parse(sdsVolume + ":" + lab.get("SDS_AGENT_SOCKET_DIR") + ":ro")))
                    .withCopyFileToContainer(org.testcontainers.utility.MountableFile.forHostPath(
                            lab.root().resolve("benchmarks/target/benchmarks.jar")), "/opt/bench/benchmarks.jar")
                    .withCreateContainerCmdModifier(cmd -> cmd.withEntrypoint("java"))
                    .withCommand("-Xmx512m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=error",
                            "-cp", "/opt/sds-agent/sds-agent.jar:/opt/bench/benchmarks.jar", "org.spiffelab.sds.bench.SdsFanOut",
                            "--streams=" + streams, "--rotations=" + rotations, "--resource=" + lab.get("CUSTOMER_SERVICE_ID"),
                            "--target=spire=unix:" + lab.get("SPIRE_AGENT_SOCKET"), "--target=sds-agent=unix:" + lab.get("SDS_AGENT_SOCKET"))
                    .withStartupCheckStrategy(new OneShotStartupCheckStrategy()
                            .withTimeout(Duration.ofSeconds(60L + 4L * rotations * StackSpec.SDS_AGENT_SVID_TTL_SECONDS)))) {
                load.start();
                output = load.getLogs(org.testcontainers.containers.output.OutputFrame.OutputType.STDOUT);
                System.out.println(load.getLogs(org.testcontainers.containers.output.OutputFrame.OutputType.STDERR).strip());
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            double spireCores = (spire.cpuNanos() - spireCpu) / 1e9 / seconds;
            double sdsCores = (sds.cpuNanos() - sdsCpu) / 1e9 / seconds;
            long spireRss = spire.rssBytes();
            long sdsRss = sds.rssBytes();

            Map<String, List<Long>> delays = new LinkedHashMap<>();
            // per rotation, when the target's first stream held the certificate (its rows' delays come sorted)
            Map<String, List<Long>> firsts = new LinkedHashMap<>();
            ObjectMapper json = new ObjectMapper();
            for (String line : output.split("\n")) {
                if (line.startsWith("{")) {
                    JsonNode row = json.readTree(line);
                    List<Long> list = delays.computeIfAbsent(row.path("target").asText(), k -> new ArrayList<>());
                    row.path("delaysNanos").forEach(n -> list.add(n.asLong()));
                    firsts.computeIfAbsent(row.path("target").asText(), k -> new ArrayList<>()).add(row.path("delaysNanos").get(0).asLong());
                }
            }
            if (!delays.containsKey("spire") || !delays.containsKey("sds-agent")) {
                throw new IllegalStateException("the load saw no complete rotation; its output:\n" + output);
            }
            report(streams, rotations, seconds, delays, firsts, spireCores, sdsCores, spireRss, sdsRss);
        }
    }

    private static void report(int streams, int rotations, double seconds, Map<String, List<Long>> delays,
                               Map<String, List<Long>> firsts, double spireCores,
                               double sdsCores, long spireRss, long sdsRss) {
        double spireP50 = percentile(delays.get("spire"), 50);
        double spireP99 = percentile(delays.get("spire"), 99);
        double sdsP50 = percentile(delays.get("sds-agent"), 50);
        double sdsP99 = percentile(delays.get("sds-agent"), 99);
        double spireFirst = percentile(firsts.get("spire"), 50);
        double sdsFirst = percentile(firsts.get("sds-agent"), 50);
        System.out.printf("""

                SDS fan-out: %d streams per server, %d rotations, %.0f s of load
                (delay = when a stream held the new certificate, after the first stream on either server held it)

                                      SPIRE agent SDS     sds-agent     ratio sds-agent/SPIRE
                  first stream (ms)   %12.1f  %12.1f     (median over rotations; sds-agent's includes the Workload API hop)
                  delay p50 (ms)      %12.1f  %12.1f     %8.2f
                  delay p99 (ms)      %12.1f  %12.1f     %8.2f
                  CPU (cores, avg)    %12.3f  %12.3f     %8.2f
                  RSS (MiB)           %12.1f  %12.1f     %8.2f
                """, streams, rotations, seconds, spireFirst, sdsFirst, spireP50, sdsP50, ratio(sdsP50, spireP50), spireP99, sdsP99, ratio(sdsP99, spireP99),
                spireCores, sdsCores, ratio(sdsCores, spireCores), spireRss / 1048576.0, sdsRss / 1048576.0, ratio(sdsRss, spireRss));
        System.out.println("  (SPIRE's CPU and RSS include its whole agent: attestation, caches, the Workload API stream to sds-agent.)");
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
