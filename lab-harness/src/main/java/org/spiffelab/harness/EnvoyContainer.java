package org.spiffelab.harness;

import java.nio.file.Path;
import org.testcontainers.utility.MountableFile;

/**
 * An Envoy sidecar: the scenario's config and the SDS socket folder (read-only) at the SPIRE agent socket's path —
 * SPIRE's own socket, or sds-agent's. When SPIRE serves it directly, Envoy is the attested workload and carries the label.
 */
public final class EnvoyContainer extends LabContainer<EnvoyContainer> {

    static final String CONFIG = "/etc/envoy/envoy.yaml";
    /** Where a host folder holding envoy.yaml (the workshop's working copy) is mounted. */
    public static final String WORK_DIR = "/etc/envoy/work";

    /**
     * @param config     a config file (copied in) or a folder holding envoy.yaml (bind-mounted read-only)
     * @param attestedAs the workload label, or null when Envoy is not the one talking to SPIRE */
    public EnvoyContainer(LabProperties lab, LabImages images, Path config, String attestedAs, String socketVolume) {
        this(lab, images, config, attestedAs, socketVolume, "envoy");
    }

    public EnvoyContainer(LabProperties lab, LabImages images, Path config, String attestedAs, String socketVolume, String role) {
        super(images.envoy(), role);
        String configFile = CONFIG;
        if (java.nio.file.Files.isDirectory(config)) {
            // A working copy: bind the folder so that edits reach Envoy on restart.
            withBind(new com.github.dockerjava.api.model.Bind(config.toAbsolutePath().toString(),
                    new com.github.dockerjava.api.model.Volume(WORK_DIR), com.github.dockerjava.api.model.AccessMode.ro));
            configFile = WORK_DIR + "/envoy.yaml";
        } else {
            withCopyFileToContainer(MountableFile.forHostPath(config, 0644), CONFIG);
        }
        if (attestedAs != null) {
            withLabel(lab.get("WORKLOAD_LABEL"), attestedAs);
        }
        withVolume(socketVolume, lab.get("SPIRE_AGENT_SOCKET_DIR"), true);
        // The binary name first: the official image's entrypoint runs commands that do not start with '-' as given.
        withCommand("envoy", "-c", configFile, "--log-level", "info");
    }
}
