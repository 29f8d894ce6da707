package org.spiffelab.sds.workload;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Retries with exponential backoff (0.5 s doubling to 30 s), reset by a success. One per Workload API subscription. */
public final class Backoff implements AutoCloseable {

    private static final Duration FIRST = Duration.ofMillis(500);
    private static final Duration MAX = Duration.ofSeconds(30);

    private final ScheduledExecutorService executor;
    private volatile Duration next = FIRST;

    public Backoff(String name) {
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs {@code retry} after the current delay and doubles it; returns the delay used. */
    public Duration schedule(Runnable retry) {
        Duration delay = next;
        next = next.multipliedBy(2).compareTo(MAX) > 0 ? MAX : next.multipliedBy(2);
        if (!executor.isShutdown()) {
            executor.schedule(retry, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
        return delay;
    }

    public void reset() {
        next = FIRST;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
