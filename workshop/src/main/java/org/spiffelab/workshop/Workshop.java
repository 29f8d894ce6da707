package org.spiffelab.workshop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.spiffelab.harness.LabImages;
import org.spiffelab.harness.LabProperties;
import org.spiffelab.harness.LabStack;
import org.spiffelab.harness.Registration;
import org.spiffelab.harness.StackSpec;
import org.spiffelab.harness.StandardLab;

/**
 * What scripts/lab.sh does: start a lab's stack (with the harness, like the tests and the demo), apply a solution,
 * stop. The stack outlives this process — the attendee works on it between commands — so nothing here closes it;
 * {@link #stop()} removes it by name.
 */
final class Workshop {

    /** Which lab the running stack was started for, in the working folder. */
    private static final String CURRENT = ".lab";

    private final LabProperties lab;
    private final LabInstance instance;
    private final Docker docker;
    private final Consumer<String> progress;

    Workshop(LabProperties lab, LabInstance instance, Docker docker, Consumer<String> progress) {
        this.lab = lab;
        this.instance = instance;
        this.docker = docker;
        this.progress = progress;
    }

    LiveStack live() {
        return new LiveStack(lab, instance, docker);
    }

    LabInstance instance() {
        return instance;
    }

    /** Starts {@code which}'s stack: everything but what the lab teaches. Refuses when a lab already runs. */
    void start(Lab which) {
        List<String> running = LabStack.containersOf(instance.prefix());
        if (!running.isEmpty()) {
            throw new WorkshopException(StandardLab.alreadyRunning(running));
        }
        prepareWork(which);
        StackSpec spec = spec(which);
        LabStack stack = new LabStack(lab, LabImages.fromEnvironment(lab), spec, instance.prefix(), progress)
                .outlivingThisProcess()
                // An attendee's laptop or a shared CI machine: patience over a false "not ready".
                .withReadyTimeout(java.time.Duration.ofMinutes(4))
                .withEnvoyConfigFolder(instance.work())
                .withoutAwaitingEnvoySecrets()
                .withLoopbackPorts(instance.fixedPorts() ? StandardLab.loopbackPorts(lab)
                        : Map.of("webapp", 0, "webapp-2", 0, "nginx", 0));
        if (which == Lab.SDS_AGENT) {
            stack.withoutSdsAgent();
            // The volume takes its owner from the sds-agent image's folder, so the agent (uid 101) may write its socket.
            docker.runOrFail("run", "--rm", "--entrypoint", "true", "-v", instance.sdsSocketVolume() + ":" + lab.get("SDS_AGENT_SOCKET_DIR"),
                    stack.sdsAgentImage());
        }
        try {
            stack.start();
            // The page names the lab and its doc.
            stack.startWebapp("webapp", Map.of("LAB_SCENARIO", which.id()));
            stack.startWebapp("webapp-2", Map.of("LAB_SCENARIO", which.id()));
        } catch (RuntimeException e) {
            throw new WorkshopException("the lab could not start: " + e.getMessage()
                    + "\nSee `docker logs " + instance.container("envoy") + "` (and the other " + instance.prefix()
                    + "-* containers); scripts/lab.sh stop removes what started.", e);
        }
        write(instance.work().resolve(CURRENT), which.id());
    }

    /** The lab the running stack was started for, or null. */
    Lab current() {
        Path file = instance.work().resolve(CURRENT);
        try {
            return Files.exists(file) && !LabStack.containersOf(instance.prefix()).isEmpty() ? Lab.named(Files.readString(file).strip()) : null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs the lab's solution script: exactly the steps the attendee types. */
    void solve(Lab which) {
        runScript(lab.file(which.solution()));
    }

    void runScript(Path script) {
        progress.accept("running " + lab.root().relativize(script));
        ProcessBuilder builder = new ProcessBuilder("bash", script.toString()).inheritIO();
        builder.environment().putAll(Map.of("LAB_ROOT", lab.root().toString(), "LAB_PREFIX", instance.prefix(),
                "LAB_WORK", instance.work().toAbsolutePath().toString()));
        try {
            int exit = builder.start().waitFor();
            if (exit != 0) {
                throw new WorkshopException(lab.root().relativize(script) + " exited " + exit + "; see its output above");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WorkshopException("interrupted while running " + script, e);
        }
    }

    void stop() {
        LabStack.removeStack(instance.prefix(), progress);
        try {
            Files.deleteIfExists(instance.work().resolve(CURRENT));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private StackSpec spec(Lab which) {
        return switch (which) {
            // Lab 1 teaches customer-service's registration: the stack starts without it.
            case X509 -> {
                StackSpec x509 = StackSpec.x509(lab);
                List<Registration> others = x509.registrations().stream().filter(r -> !r.workload().equals("customer-service")).toList();
                yield new StackSpec("x509", x509.envoyConfig(), others, false, List.of(), false);
            }
            case RBAC -> StackSpec.x509(lab);
            case SDS_AGENT -> StackSpec.sdsAgent(lab);
            // SPIRE's default JWT-SVID lifetime: the attendee takes their time.
            case JWT -> StackSpec.jwt(lab, 0);
        };
    }

    /** work/envoy.yaml: the lab's starting point, the attendee's to edit. */
    private void prepareWork(Lab which) {
        try {
            Files.createDirectories(instance.work());
            Files.setPosixFilePermissions(instance.work(), PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.copy(lab.file(which.startConfig()), instance.envoyConfig(), StandardCopyOption.REPLACE_EXISTING);
            // Envoy runs as uid 101: it must be able to read the bind-mounted copy.
            Files.setPosixFilePermissions(instance.envoyConfig(), PosixFilePermissions.fromString("rw-r--r--"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the working folder " + instance.work(), e);
        }
    }

    static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
