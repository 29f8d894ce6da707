package org.spiffelab.scenario;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Steady traffic for fault drills: each channel sends one request, waits {@code period}, sends the next (a slow
 * request delays the next one instead of piling up), and records every outcome with its time. Stopped by
 * {@link #close()}; requests are bounded by the caller's own timeouts.
 */
final class Traffic implements AutoCloseable {

    /** One request's outcome: {@code failure} is null on success. */
    record Sample(long atNanos, String failure) {
        boolean ok() {
            return failure == null;
        }
    }

    /** A kind of request, e.g. a new mTLS connection to Envoy; its call returns null on success, else what failed. */
    static final class Channel {
        private final String name;
        private final Callable<String> call;
        private final List<Sample> samples = new ArrayList<>();

        private Channel(String name, Callable<String> call) {
            this.name = name;
            this.call = call;
        }

        String name() {
            return name;
        }

        private void once() {
            String failure;
            try {
                failure = call.call();
            } catch (Exception e) {
                failure = e.toString();
            }
            synchronized (samples) {
                samples.add(new Sample(System.nanoTime(), failure));
            }
        }

        int size() {
            synchronized (samples) {
                return samples.size();
            }
        }

        List<Sample> since(int mark) {
            synchronized (samples) {
                return List.copyOf(samples.subList(mark, samples.size()));
            }
        }

        /** Whether the last {@code n} requests all succeeded. */
        boolean lastSucceeded(int n) {
            synchronized (samples) {
                return samples.size() >= n && samples.subList(samples.size() - n, samples.size()).stream().allMatch(Sample::ok);
            }
        }
    }

    private final ScheduledExecutorService executor = Executors.newScheduledThreadPool(2);
    private final List<Channel> channels = new ArrayList<>();

    Channel start(String name, Duration period, Callable<String> call) {
        Channel channel = new Channel(name, call);
        channels.add(channel);
        executor.scheduleWithFixedDelay(channel::once, 0, period.toMillis(), TimeUnit.MILLISECONDS);
        return channel;
    }

    List<Channel> channels() {
        return List.copyOf(channels);
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
