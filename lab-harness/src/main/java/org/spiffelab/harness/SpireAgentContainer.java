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
 * Its data_dir (its own SVID, key and last bundle; never workloads' keys) is a named volume of its own, so a
 * restarted or crashed agent resumes without a new join token.
 */
public final class SpireAgentContainer extends LabContainer<SpireAgentContainer> {

    static final String BIN = "/opt/spire/bin/spire-agent";
    static final String CONFIG = "/etc/spire/agent/agent.conf";
    static final String BOOTSTRAP_BUNDLE = "/etc/spire/agent/bootstrap-bundle.pem";
    private static final String DOCKER_SOCKET = "/var/run/docker.sock";
    /** docker/spire/agent.conf's data_dir (LabConfigConsistencyTest keeps them equal). */
    public static final String DATA_DIR = "/var/lib/spire/agent";

    private final String socket;

    /**
     * @param joinToken used once, for the first attestation; a restart finds the agent's SVID in {@code dataVolume}
     */
    public SpireAgentContainer(LabProperties lab, LabImages images, String socketVolume, String dataVolume, String joinToken,
                               String bundlePem) {
        super(images.spireAgent(), "spire-agent");
        this.socket = lab.get("SPIRE_AGENT_SOCKET");
        if (!Files.exists(Path.of(DOCKER_SOCKET))) {
            throw new IllegalStateException(DOCKER_SOCKET + " not found: the agent's docker workload attestor needs the "
                    + "local Docker engine's socket (a remote DOCKER_HOST is not supported)");
        }
        withCopyFileToContainer(MountableFile.forHostPath(lab.file("docker/spire/agent.conf")), CONFIG);
        withCopyToContainer(Transferable.of(bundlePem), BOOTSTRAP_BUNDLE);
        withVolume(socketVolume, lab.get("SPIRE_AGENT_SOCKET_DIR"), false);
        withVolume(dataVolume, DATA_DIR, false);
        // Healthy only while the Workload API answers: an agent that cannot attest shows "unhealthy", not just "Up".
        withDockerHealthCheck(BIN, "healthcheck", "-socketPath", socket);
        withBind(new Bind(DOCKER_SOCKET, new Volume(DOCKER_SOCKET)));
        withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withPidMode("host"));
        withCommand("-config", CONFIG, "-joinToken", joinToken);
    }

    public boolean healthy() {
        return isRunning() && exec(BIN, "healthcheck", "-socketPath", socket).getExitCode() == 0;
    }
}
