package org.spiffelab.workshop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.spiffelab.harness.LabProperties;

/**
 * Types the docs' Docker-path commands into one test stack, as an attendee would: {@code scripts/lab.sh <args>} is
 * what that script runs once built (WorkshopCli, here on this test's instance), every other command runs in bash from
 * the repository root with the containers' {@code lab-} prefix mapped to the test's, and the output is mapped back so
 * it reads as the docs show it.
 */
final class DocWalk {

    /** A container or volume name of the standard lab as the docs write it: lab-envoy, container:lab-nginx. */
    private static final Pattern LAB_NAME = Pattern.compile("(?<![\\w/.-])lab-(?=[a-z])");
    private static final long COMMAND_TIMEOUT_SECONDS = 180;

    record Ran(String command, int exit, String out) {
    }

    private final LabProperties lab;
    private final Workshop workshop;
    private final Duration settlesWithin;
    private final List<String> ran = new ArrayList<>();

    DocWalk(LabProperties lab, Workshop workshop, Duration settlesWithin) {
        this.lab = lab;
        this.workshop = workshop;
        this.settlesWithin = settlesWithin;
    }

    /**
     * Runs a block's commands in order; each must succeed, and the last must show the doc's output. A reading command
     * runs again until it shows it (state settles: Envoy retries SDS, SPIRE syncs entries — the docs say "within half a
     * minute"); one that changes the stack runs once. Returns the last command's run.
     */
    Ran run(DocBlocks.Block block) {
        List<String> commands = block.commands();
        Ran last = null;
        for (int i = 0; i < commands.size(); i++) {
            String command = commands.get(i);
            boolean showsOutput = i == commands.size() - 1 && !block.expected().isEmpty();
            if (!showsOutput || !DocBlocks.reads(command)) {
                last = run(command);
                assertThat(last.exit()).as(block.where() + ": `" + command + "` exits 0; it printed:\n" + last.out()).isZero();
                if (showsOutput) {
                    assertThat(DocBlocks.missing(block.expected(), last.out()))
                            .as(block.where() + ": `" + command + "` printed:\n" + last.out() + "\nlacking the doc's lines").isEmpty();
                }
                continue;
            }
            AtomicReference<Ran> shown = new AtomicReference<>();
            await(block.where() + ": `" + command + "` shows the doc's output").atMost(settlesWithin).pollInterval(Duration.ofSeconds(3))
                    .untilAsserted(() -> {
                        Ran attempt = run(command);
                        shown.set(attempt);
                        assertThat(DocBlocks.missing(block.expected(), attempt.out()))
                                .as(block.where() + ": `" + command + "` printed (exit " + attempt.exit() + "):\n" + attempt.out()
                                        + "\nlacking the doc's lines")
                                .isEmpty();
                    });
            last = shown.get();
        }
        return last;
    }

    /** One command as the attendee types it; printed with its output, so the test's log reads like the session. */
    Ran run(String command) {
        Ran result = command.startsWith("scripts/lab.sh ") ? lab(command) : shell(command);
        ran.add(command);
        System.out.println("$ " + command + "\n" + result.out().stripTrailing() + (result.exit() == 0 ? "" : "\n[exit " + result.exit() + "]"));
        return result;
    }

    /** The commands run so far, as the docs write them. */
    List<String> ran() {
        return List.copyOf(ran);
    }

    private Ran lab(String command) {
        String[] args = command.substring("scripts/lab.sh ".length()).strip().split("\\s+");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        int exit;
        try {
            exit = new WorkshopCli(workshop, out).run(args);
        } catch (WorkshopException | IllegalArgumentException e) {
            // What WorkshopCli.main prints and exits with.
            out.println("lab: " + e.getMessage());
            exit = 2;
        }
        return new Ran(command, exit, asDocsName(bytes.toString(StandardCharsets.UTF_8)));
    }

    private Ran shell(String command) {
        assertThat(command).as("the walks type scripts/lab.sh and docker commands; run another kind here or skip it in DocBlocks")
                .startsWith("docker ");
        String mapped = LAB_NAME.matcher(command).replaceAll(Matcher.quoteReplacement(workshop.instance().prefix() + "-"));
        try {
            Process process = new ProcessBuilder("bash", "-c", mapped).directory(lab.root().toFile()).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Ran(command, 124, "timed out after " + COMMAND_TIMEOUT_SECONDS + " s");
            }
            return new Ran(command, process.exitValue(), asDocsName(out.join()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        }
    }

    private String asDocsName(String output) {
        return output.replace(workshop.instance().prefix() + "-", "lab-");
    }
}
