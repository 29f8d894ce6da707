package org.spiffelab.harness;

import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;
import org.testcontainers.utility.DockerImageName;

/**
 * A container of the lab, known by its role. Readiness is not decided by Testcontainers' port checks but by
 * the stack, which polls each component's own health endpoint (see {@link LabStack}).
 */
public abstract class LabContainer<SELF extends LabContainer<SELF>> extends GenericContainer<SELF> {

    private final String role;

    protected LabContainer(String image, String role) {
        super(DockerImageName.parse(image));
        this.role = role;
        waitingFor(new AbstractWaitStrategy() {
            @Override
            protected void waitUntilReady() {
                // the stack polls health endpoints instead
            }
        });
    }

    public String role() {
        return role;
    }

    /** Gives the container a fixed name, so people can {@code docker exec} into the demo's containers. */
    public SELF withFixedName(String name) {
        return withCreateContainerCmdModifier(cmd -> cmd.withName(name));
    }

    /**
     * Publishes {@code containerPort} on the host's loopback only, at {@code hostPort} (0: any free port) — never on
     * every interface.
     */
    public SELF publishOnLoopback(int containerPort, int hostPort) {
        return withCreateContainerCmdModifier(cmd -> {
            com.github.dockerjava.api.model.Ports ports = new com.github.dockerjava.api.model.Ports();
            ports.bind(com.github.dockerjava.api.model.ExposedPort.tcp(containerPort), hostPort == 0
                    ? com.github.dockerjava.api.model.Ports.Binding.bindIp("127.0.0.1")
                    : com.github.dockerjava.api.model.Ports.Binding.bindIpAndPort("127.0.0.1", hostPort));
            cmd.getHostConfig().withPortBindings(ports);
        });
    }

    /** Mounts a named Docker volume (created on first use). */
    public SELF withVolume(String volume, String path, boolean readOnly) {
        return withBind(new Bind(volume, new Volume(path), readOnly ? com.github.dockerjava.api.model.AccessMode.ro
                : com.github.dockerjava.api.model.AccessMode.rw));
    }

    protected SELF withBind(Bind bind) {
        return withCreateContainerCmdModifier(cmd -> {
            HostConfig host = cmd.getHostConfig();
            List<Bind> binds = new ArrayList<>(host.getBinds() == null ? List.of() : Arrays.asList(host.getBinds()));
            binds.add(bind);
            host.withBinds(binds);
        });
    }

    /** Runs a command in the container. */
    public ExecResult exec(String... command) {
        try {
            return execInContainer(command);
        } catch (IOException e) {
            throw new IllegalStateException(role + ": cannot exec " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(role + ": interrupted during " + String.join(" ", command), e);
        }
    }

    /** Runs a command that must succeed; returns its stdout. */
    public String execOrFail(String... command) {
        ExecResult result = exec(command);
        if (result.getExitCode() != 0) {
            throw new IllegalStateException(role + ": `" + String.join(" ", command) + "` exited " + result.getExitCode()
                    + ": " + (result.getStderr().isBlank() ? result.getStdout() : result.getStderr()).strip());
        }
        return result.getStdout();
    }
}
