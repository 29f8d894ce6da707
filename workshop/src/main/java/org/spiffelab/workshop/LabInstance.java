package org.spiffelab.workshop;

import java.nio.file.Path;

/**
 * One lab on this machine: its containers' name prefix ({@code lab} for scripts/lab.sh, so that {@code docker exec
 * lab-envoy ...} works as the docs say), the attendee's working folder (Envoy's config is read from there), and whether
 * pages are published at the fixed ports of lab.properties (tests use free ports instead).
 */
record LabInstance(String prefix, Path work, boolean fixedPorts) {

    static final String DEFAULT_PREFIX = org.spiffelab.harness.StandardLab.PREFIX;

    /** scripts/lab.sh's lab: prefix {@code lab}, working folder {@code work/} of the repository. */
    static LabInstance standard(Path root) {
        return new LabInstance(DEFAULT_PREFIX, root.resolve("work"), true);
    }

    String container(String role) {
        return prefix + "-" + role;
    }

    String agentSocketVolume() {
        return prefix + "-agent-socket";
    }

    String sdsSocketVolume() {
        return prefix + "-sds-socket";
    }

    Path envoyConfig() {
        return work.resolve("envoy.yaml");
    }

    /** How the docs name a path of the working folder, e.g. work/envoy.yaml. */
    String shown(Path file) {
        Path parent = work.toAbsolutePath().getParent();
        return parent == null ? file.toString() : parent.relativize(file.toAbsolutePath()).toString();
    }
}
