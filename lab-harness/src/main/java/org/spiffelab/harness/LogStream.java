package org.spiffelab.harness;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * A container's stdout and stderr as they are written, line by line with a {@code [role]} prefix, so a test run's
 * output shows what each component did and when. Docker ends the stream when the container stops; {@link #follow}
 * again after a start, from that moment, so nothing is printed twice.
 */
final class LogStream implements Closeable {

    private final String prefix;
    private final Consumer<String> sink;
    private final StringBuilder partial = new StringBuilder();
    private ResultCallback.Adapter<Frame> current;

    LogStream(String role, Consumer<String> sink) {
        this.prefix = "[" + role + "] ";
        this.sink = sink;
    }

    synchronized void follow(DockerClient docker, String containerId, Instant since) {
        closeCurrent();
        var cmd = docker.logContainerCmd(containerId).withFollowStream(true).withStdOut(true).withStdErr(true);
        if (!since.equals(Instant.EPOCH)) {
            cmd.withSince((int) since.getEpochSecond());
        }
        current = cmd.exec(new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Frame frame) {
                accept(new String(frame.getPayload(), StandardCharsets.UTF_8));
            }
        });
    }

    /** Prints every complete line; keeps a trailing partial line for the next frame. */
    synchronized void accept(String text) {
        partial.append(text);
        int newline;
        while ((newline = partial.indexOf("\n")) >= 0) {
            sink.accept(prefix + partial.substring(0, newline).stripTrailing());
            partial.delete(0, newline + 1);
        }
    }

    @Override
    public synchronized void close() {
        closeCurrent();
        if (!partial.isEmpty()) {
            sink.accept(prefix + partial);
            partial.setLength(0);
        }
    }

    private void closeCurrent() {
        if (current != null) {
            try {
                current.close();
            } catch (IOException e) {
                // the stream is gone either way
            }
            current = null;
        }
    }
}
