package org.spiffelab.scenario.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time and resident memory of a container, read from its cgroup on the Docker host (cgroup v1 or v2). */
final class ContainerResources {

    private final String id;

    ContainerResources(String containerId) {
        this.id = containerId;
    }

    /** CPU time used so far, in nanoseconds. */
    long cpuNanos() throws IOException {
        Path v1 = Path.of("/sys/fs/cgroup/cpuacct/docker", id, "cpuacct.usage");
        if (Files.exists(v1)) {
            return Long.parseLong(Files.readString(v1).strip());
        }
        Path v2 = Path.of("/sys/fs/cgroup/system.slice", "docker-" + id + ".scope", "cpu.stat");
        if (Files.exists(v2)) {
            for (String line : Files.readAllLines(v2)) {
                if (line.startsWith("usage_usec ")) {
                    return Long.parseLong(line.substring(11).strip()) * 1000;
                }
            }
        }
        throw new IOException("no cgroup CPU accounting found for container " + id + " (looked at " + v1 + " and " + v2
                + "): run the benchmark on the Docker host");
    }

    /** Resident set (anonymous memory) in bytes. */
    long rssBytes() throws IOException {
        Path v1 = Path.of("/sys/fs/cgroup/memory/docker", id, "memory.stat");
        Path v2 = Path.of("/sys/fs/cgroup/system.slice", "docker-" + id + ".scope", "memory.stat");
        Path stat = Files.exists(v1) ? v1 : v2;
        String key = Files.exists(v1) ? "total_rss " : "anon ";
        for (String line : Files.readAllLines(stat)) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.substring(key.length()).strip());
            }
        }
        throw new IOException("no " + key.strip() + " in " + stat);
    }
}
