package org.spiffelab.scenario.k8s;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code kubectl port-forward TARGET :PORT}: a free local port chosen by kubectl, read from the line it prints
 * when the forward is listening. Closing it stops kubectl.
 */
final class PortForward implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("Forwarding from 127\\.0\\.0\\.1:(\\d+) ->");

    private final Process process;
    private final int localPort;

    private PortForward(Process process, int localPort) {
        this.process = process;
        this.localPort = localPort;
    }

    /** Forwards a free local port to {@code remotePort} of {@code target} (pod/NAME, svc/NAME) in {@code namespace}. */
    static PortForward open(Kubectl kubectl, String namespace, String target, int remotePort) {
        return open(kubectl, namespace, target, 0, remotePort);
    }

    static PortForward open(Kubectl kubectl, String namespace, String target, int localPort, int remotePort) {
        Process process;
        try {
            process = kubectl.start("-n", namespace, "port-forward", target,
                    (localPort == 0 ? "" : String.valueOf(localPort)) + ":" + remotePort);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        // One reader for kubectl's whole life: it reports the port, then keeps draining. Closing kubectl's stdout
        // early would kill it (a write to a closed pipe) right after it starts listening.
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                String line;
                while ((line = out.readLine()) != null) {
                    Matcher m = LISTENING.matcher(line);
                    if (!port.isDone() && m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (IOException e) {
                // kubectl ended
            }
            port.complete(null);
        }, "port-forward " + target);
        reader.setDaemon(true);
        reader.start();
        try {
            Integer local = port.get(60, TimeUnit.SECONDS);
            if (local == null) {
                String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                throw new AssertionError("kubectl port-forward " + target + " stopped: " + err);
            }
            return new PortForward(process, local);
        } catch (AssertionError e) {
            process.destroyForcibly();
            throw e;
        } catch (Exception e) {
            process.destroyForcibly();
            throw new AssertionError("kubectl port-forward " + target + " did not listen within 60s", e);
        }
    }

    int localPort() {
        return localPort;
    }

    boolean alive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
