package org.spiffelab.scenario.k8s;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs kubectl against one cluster (its kubeconfig) from the repository root, as a person following the docs would. */
final class Kubectl {

    /** What a kubectl run gave back. */
    record Result(int exitCode, String out, String err) {
        Result orFail(String what) {
            if (exitCode != 0) {
                throw new AssertionError(what + " failed (exit " + exitCode + "): " + err + out);
            }
            return this;
        }
    }

    private final Path binary;
    private final Path kubeconfig;
    private final Path workdir;

    Kubectl(Path binary, Path kubeconfig, Path workdir) {
        this.binary = binary;
        this.kubeconfig = kubeconfig;
        this.workdir = workdir;
    }

    Path kubeconfig() {
        return kubeconfig;
    }

    /** kubectl ARGS, bounded by a timeout so a hung call fails the test instead of the build. */
    Result run(Duration timeout, String... args) {
        try {
            Process process = start(args);
            process.getOutputStream().close();
            CompletableFuture<String> out = read(process.getInputStream());
            CompletableFuture<String> err = read(process.getErrorStream());
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish within " + timeout);
            }
            return new Result(process.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + binary + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    Result run(String... args) {
        return run(Duration.ofMinutes(2), args);
    }

    /** kubectl ARGS that must succeed; its standard output. */
    String ok(String... args) {
        return run(args).orFail("kubectl " + String.join(" ", args)).out();
    }

    /** A long-running kubectl (port-forward); the caller owns the process. */
    Process start(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.add("--kubeconfig=" + kubeconfig);
        command.addAll(List.of(args));
        return new ProcessBuilder(command).directory(workdir.toFile()).start();
    }

    private static CompletableFuture<String> read(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
    }
}
