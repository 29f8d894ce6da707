package org.spiffelab.workshop;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The docker CLI, as an attendee would type it: the workshop reads and changes the live lab with the same commands the
 * docs show, so what {@code check} and {@code doctor} see is what a person would see.
 */
final class Docker {

    private static final long TIMEOUT_SECONDS = 120;

    record Result(int exit, String out, String err) {
        boolean ok() {
            return exit == 0;
        }

        /** stderr when there is any, else stdout: what to show a person. */
        String message() {
            return (err.isBlank() ? out : err).strip();
        }
    }

    Result run(String... args) {
        List<String> command = new ArrayList<>();
        command.add("docker");
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            CompletableFuture<String> out = read(process.getInputStream());
            CompletableFuture<String> err = read(process.getErrorStream());
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Result(124, "", "timed out after " + TIMEOUT_SECONDS + "s: " + String.join(" ", command));
            }
            return new Result(process.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            return new Result(127, "", "cannot run docker (is the Docker CLI installed?): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(130, "", "interrupted: " + String.join(" ", command));
        }
    }

    Result exec(String container, String... command) {
        List<String> args = new ArrayList<>(List.of("exec", container));
        args.addAll(List.of(command));
        return run(args.toArray(String[]::new));
    }

    /** Runs a command that must succeed and returns its stdout; fails with docker's own words otherwise. */
    String runOrFail(String... args) {
        Result result = run(args);
        if (!result.ok()) {
            throw new IllegalStateException("`docker " + String.join(" ", args) + "` failed: " + result.message());
        }
        return result.out();
    }

    private static CompletableFuture<String> read(InputStream stream) {
        return CompletableFuture.supplyAsync(() -> {
            try (stream) {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
    }
}
