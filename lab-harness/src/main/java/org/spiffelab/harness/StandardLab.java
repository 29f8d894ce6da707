package org.spiffelab.harness;

import java.util.List;
import java.util.Map;

/**
 * The one lab a machine runs under fixed names, started by {@code scripts/demo.sh} or {@code scripts/lab.sh}: its
 * containers are {@code lab-*} (so the docs' {@code docker exec lab-...} commands work) and its pages are published
 * on 127.0.0.1 at the fixed ports of lab.properties. Tests use their own prefix and free ports instead.
 */
public final class StandardLab {

    /** The container name prefix: lab-spire-server, lab-pod-probe, ... */
    public static final String PREFIX = "lab";

    private StandardLab() {
    }

    /** What to say when a lab already runs under these names: never remove another terminal's lab silently. */
    public static String alreadyRunning(List<String> containers) {
        return "A lab is already running on this machine (" + String.join(", ", containers) + ").\n"
                + "Stop it first: Ctrl-C in the terminal that runs scripts/demo.sh, or scripts/lab.sh stop.";
    }

    /** The fixed host ports of lab.properties, on 127.0.0.1: an instructor can say "open localhost:8080". */
    public static Map<String, Integer> loopbackPorts(LabProperties lab) {
        return Map.of("webapp", lab.port("DEMO_WEBAPP_PORT"), "webapp-2", lab.port("DEMO_WEBAPP_2_PORT"),
                "nginx", lab.port("DEMO_ENVOY_TLS_PORT"));
    }
}
