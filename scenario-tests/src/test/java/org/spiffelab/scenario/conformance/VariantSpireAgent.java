package org.spiffelab.scenario.conformance;

import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import org.spiffelab.harness.LabContainer;
import org.spiffelab.harness.LabProperties;
import org.testcontainers.images.builder.Transferable;

/**
 * A second SPIRE agent for the SDS settings SPIRE reads from its config file: the lab's agent.conf with another
 * {@code sds} block, otherwise the lab's agent (docker attestor, host PID namespace, its own socket volume).
 */
final class VariantSpireAgent extends LabContainer<VariantSpireAgent> {

    private static final String CONFIG = "/etc/spire/agent/agent.conf";
    private final String socket;

    VariantSpireAgent(LabProperties lab, String image, String socketVolume, String joinToken, String bundlePem, String sdsBlock)
            throws java.io.IOException {
        super(image, "spire-agent-variant");
        this.socket = lab.get("SPIRE_AGENT_SOCKET");
        String config = java.nio.file.Files.readString(lab.file("docker/spire/agent.conf"));
        String variant = config.replaceFirst("(?s)sds \\{[^}]*}", java.util.regex.Matcher.quoteReplacement(sdsBlock));
        if (variant.equals(config)) {
            throw new IllegalStateException("docker/spire/agent.conf has no sds { } block to replace");
        }
        withCopyToContainer(Transferable.of(variant), CONFIG);
        withCopyToContainer(Transferable.of(bundlePem), "/etc/spire/agent/bootstrap-bundle.pem");
        withVolume(socketVolume, lab.get("SPIRE_AGENT_SOCKET_DIR"), false);
        withBind(new Bind("/var/run/docker.sock", new Volume("/var/run/docker.sock")));
        withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withPidMode("host"));
        withCommand("-config", CONFIG, "-joinToken", joinToken);
    }

    boolean healthy() {
        return isRunning() && exec("/opt/spire/bin/spire-agent", "healthcheck", "-socketPath", socket).getExitCode() == 0;
    }
}
