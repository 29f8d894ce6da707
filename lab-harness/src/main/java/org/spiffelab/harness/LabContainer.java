package org.spiffelab.harness;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HealthCheck;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.Volume;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
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
    private LogStream logs;

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

    /**
     * A Docker health check running {@code command} in the container, so {@code docker ps} and {@link #dockerHealth()}
     * say whether the component works, not just whether its process runs.
     */
    protected SELF withDockerHealthCheck(String... command) {
        List<String> test = new ArrayList<>(List.of("CMD"));
        test.addAll(List.of(command));
        return withCreateContainerCmdModifier(cmd -> cmd.withHealthcheck(new HealthCheck().withTest(test)
                .withInterval(Duration.ofSeconds(2).toNanos()).withTimeout(Duration.ofSeconds(5).toNanos())
                .withStartPeriod(Duration.ofSeconds(30).toNanos()).withRetries(3)));
    }

    /** Docker's view of the health check: "healthy", "unhealthy", "starting", or "none" without one. */
    public String dockerHealth() {
        InspectContainerResponse.ContainerState state = inspectNow().getState();
        return state.getHealth() == null ? "none" : state.getHealth().getStatus();
    }

    /** Streams the container's output live from its start, each line prefixed with {@code [role]}, also across restarts. */
    public SELF withLogStream(java.util.function.Consumer<String> sink) {
        logs = new LogStream(role, sink);
        return self();
    }

    @Override
    protected void containerIsStarted(InspectContainerResponse containerInfo) {
        if (logs != null) {
            logs.follow(getDockerClient(), getContainerId(), Instant.EPOCH);
        }
    }

    @Override
    public void stop() {
        if (logs != null) {
            logs.close();
        }
        super.stop();
    }

    // --- fault drills: the same container (its volumes, network aliases and labels) stopped and started again ---

    /** SIGKILL, as a crash: no clean shutdown. */
    public void kill() {
        getDockerClient().killContainerCmd(getContainerId()).exec();
        awaitNotRunning();
    }

    /** A clean stop (SIGTERM, then SIGKILL after 10 s). */
    public void stopGracefully() {
        getDockerClient().stopContainerCmd(getContainerId()).withTimeout(10).exec();
        awaitNotRunning();
    }

    /** Starts the stopped container again, with its log stream picking up where it left off. */
    public void startAgain() {
        Instant since = Instant.now();
        getDockerClient().startContainerCmd(getContainerId()).exec();
        if (logs != null) {
            logs.follow(getDockerClient(), getContainerId(), since);
        }
    }

    /** {@code docker restart}: a clean stop, then a start. */
    public void restart() {
        stopGracefully();
        startAgain();
    }

    /** When the container's current run started (Docker's StartedAt): unchanged means it did not restart. */
    public String startedAt() {
        return inspectNow().getState().getStartedAt();
    }

    /** The host port Docker maps to {@code port} now (it can change when a container is started again). */
    public int currentMappedPort(int port) {
        Ports.Binding[] bindings = inspectNow().getNetworkSettings().getPorts().getBindings().get(ExposedPort.tcp(port));
        if (bindings == null || bindings.length == 0) {
            throw new IllegalStateException(role + ": port " + port + " is not published (is the container running?)");
        }
        return Integer.parseInt(bindings[0].getHostPortSpec());
    }

    private InspectContainerResponse inspectNow() {
        return getDockerClient().inspectContainerCmd(getContainerId()).exec();
    }

    private void awaitNotRunning() {
        org.awaitility.Awaitility.await(role + " stopped").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> !Boolean.TRUE.equals(inspectNow().getState().getRunning()));
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
