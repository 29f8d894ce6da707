package org.spiffelab.harness;

import java.nio.file.Path;
import org.testcontainers.utility.MountableFile;

/**
 * An Envoy sidecar: the scenario's config and the SDS socket folder (read-only) at the SPIRE agent socket's path —
 * SPIRE's own socket, or sds-agent's. When SPIRE serves it directly, Envoy is the attested workload and carries the label.
 */
public final class EnvoyContainer extends LabContainer<EnvoyContainer> {

    static final String CONFIG = "/etc/envoy/envoy.yaml";

    /** @param attestedAs the workload label, or null when Envoy is not the one talking to SPIRE */
    public EnvoyContainer(LabProperties lab, LabImages images, Path config, String attestedAs, String socketVolume) {
        this(lab, images, config, attestedAs, socketVolume, "envoy");
    }

    public EnvoyContainer(LabProperties lab, LabImages images, Path config, String attestedAs, String socketVolume, String role) {
        super(images.envoy(), role);
        withCopyFileToContainer(MountableFile.forHostPath(config, 0644), CONFIG);
        if (attestedAs != null) {
            withLabel(lab.get("WORKLOAD_LABEL"), attestedAs);
        }
        withVolume(socketVolume, lab.get("SPIRE_AGENT_SOCKET_DIR"), true);
        // The binary name first: the official image's entrypoint runs commands that do not start with '-' as given.
        withCommand("envoy", "-c", CONFIG, "--log-level", "info");
    }
}
