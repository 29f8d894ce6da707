package org.spiffelab.harness;

import java.nio.file.Path;
import org.testcontainers.utility.MountableFile;

/** An Envoy sidecar: the scenario's config, the agent socket (read-only) and the workload label it is attested by. */
public final class EnvoyContainer extends LabContainer<EnvoyContainer> {

    static final String CONFIG = "/etc/envoy/envoy.yaml";

    public EnvoyContainer(LabProperties lab, LabImages images, Path config, String workload, String socketVolume) {
        super(images.envoy(), "envoy");
        withCopyFileToContainer(MountableFile.forHostPath(config, 0644), CONFIG);
        withLabel(lab.get("WORKLOAD_LABEL"), workload);
        withVolume(socketVolume, lab.get("SPIRE_AGENT_SOCKET_DIR"), true);
        // The binary name first: the official image's entrypoint runs commands that do not start with '-' as given.
        withCommand("envoy", "-c", CONFIG, "--service-node", workload, "--log-level", "info");
    }
}
