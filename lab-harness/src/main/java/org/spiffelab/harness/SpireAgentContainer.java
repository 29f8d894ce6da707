package org.spiffelab.harness;

import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import java.nio.file.Files;
import java.nio.file.Path;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.MountableFile;

/**
 * The SPIRE agent: Workload API and SDS on a Unix socket in a shared volume. It runs in the host's PID
 * namespace with the Docker socket so its docker workload attestor can tell callers apart by container labels.
 */
public final class SpireAgentContainer extends LabContainer<SpireAgentContainer> {

    static final String BIN = "/opt/spire/bin/spire-agent";
    static final String CONFIG = "/etc/spire/agent/agent.conf";
    static final String BOOTSTRAP_BUNDLE = "/etc/spire/agent/bootstrap-bundle.pem";
    private static final String DOCKER_SOCKET = "/var/run/docker.sock";

    private final String socket;

    public SpireAgentContainer(LabProperties lab, LabImages images, String socketVolume, String joinToken, String bundlePem) {
        super(images.spireAgent(), "spire-agent");
        this.socket = lab.get("SPIRE_AGENT_SOCKET");
        if (!Files.exists(Path.of(DOCKER_SOCKET))) {
            throw new IllegalStateException(DOCKER_SOCKET + " not found: the agent's docker workload attestor needs the "
                    + "local Docker engine's socket (a remote DOCKER_HOST is not supported)");
        }
        withCopyFileToContainer(MountableFile.forHostPath(lab.file("docker/spire/agent.conf")), CONFIG);
        withCopyToContainer(Transferable.of(bundlePem), BOOTSTRAP_BUNDLE);
        withVolume(socketVolume, lab.get("SPIRE_AGENT_SOCKET_DIR"), false);
        withBind(new Bind(DOCKER_SOCKET, new Volume(DOCKER_SOCKET)));
        withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withPidMode("host"));
        withCommand("-config", CONFIG, "-joinToken", joinToken);
    }

    public boolean healthy() {
        return isRunning() && exec(BIN, "healthcheck", "-socketPath", socket).getExitCode() == 0;
    }
}
