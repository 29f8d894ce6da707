package org.spiffelab.workshop;

import java.util.ArrayList;
import java.util.List;
import org.spiffelab.harness.LabProperties;

/** The spire-server commands the labs teach, spelled out in full so the attendee can type exactly what check suggests. */
final class SpireCli {

    static final String SERVER = "/opt/spire/bin/spire-server";

    private SpireCli() {
    }

    /** {@code docker exec <server> spire-server entry create ...} registering {@code workload} under its SPIFFE ID. */
    static List<String> entryCreate(LabProperties lab, LabInstance instance, String workload, String spiffeId, String... dns) {
        List<String> command = new ArrayList<>(List.of("exec", instance.container("spire-server"), SERVER, "entry", "create",
                "-parentID", lab.get("DOCKER_NODE_ID"), "-spiffeID", spiffeId,
                "-selector", "docker:label:" + lab.get("WORKLOAD_LABEL") + ":" + workload));
        for (String name : dns) {
            command.add("-dns");
            command.add(name);
        }
        return command;
    }

    static String shown(List<String> dockerArgs) {
        return "docker " + String.join(" ", dockerArgs);
    }
}
