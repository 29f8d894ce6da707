package org.spiffelab.sds.authz;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * The few threads that verify signatures (half the cores), with a bounded queue. Only tokens not yet verified come
 * here, so a flood of forged tokens can occupy these threads and this queue, never the gRPC threads that answer callers
 * whose token is already verified. When the queue is full a request is refused at once (503) rather than waiting
 * without bound.
 *
 * <p>Verified callers come first for the CPU too: while they are being answered ({@link #verifiedCallerAnswered()}
 * within the last {@value #RECENT_MILLIS} ms), each thread rests {@value #REST_FACTOR} times as long as its last
 * verification took, so verifications take at most a third of these threads' cores and a flood of forged tokens
 * cannot take the machine from the callers it would starve. With no verified callers to answer they run flat out.
 */
public final class VerificationPool implements Executor, AutoCloseable {

    static final int QUEUE = 256;
    static final int RECENT_MILLIS = 50;
    static final int REST_FACTOR = 2;
    private static final long RECENT_NANOS = TimeUnit.MILLISECONDS.toNanos(RECENT_MILLIS);
    /** A rest never lasts longer than this (a verification takes well under a millisecond). */
    static final long MAX_REST_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** Skip re-writing the shared timestamp more often than this: every event-loop thread writes it. */
    private static final long STAMP_GRANULARITY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final ThreadPoolExecutor executor;
    private final LongSupplier clock;
    private final LongConsumer rest;
    private volatile long lastVerifiedAnswer;

    public VerificationPool() {
        this(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
    }

    public VerificationPool(int threads) {
        this(threads, System::nanoTime, LockSupport::parkNanos);
    }

    /** @param clock nanoTime; @param rest how a thread rests for the given nanoseconds (tests observe it) */
    VerificationPool(int threads, LongSupplier clock, LongConsumer rest) {
        this.clock = clock;
        this.rest = rest;
        this.lastVerifiedAnswer = clock.getAsLong() - 2 * RECENT_NANOS;
        AtomicInteger count = new AtomicInteger();
        executor = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), runnable -> {
            Thread thread = new Thread(runnable, "jwt-verify-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }, new ThreadPoolExecutor.AbortPolicy());
    }

    /** A caller was answered from an already verified token: verifications yield CPU for the next while. */
    public void verifiedCallerAnswered() {
        long now = clock.getAsLong();
        if (now - lastVerifiedAnswer > STAMP_GRANULARITY_NANOS) {
            lastVerifiedAnswer = now;
        }
    }

    /** @throws java.util.concurrent.RejectedExecutionException when {@value #QUEUE} verifications already wait */
    @Override
    public void execute(Runnable verification) {
        executor.execute(() -> {
            long start = clock.getAsLong();
            try {
                verification.run();
            } finally {
                long end = clock.getAsLong();
                if (end > start && end - lastVerifiedAnswer < RECENT_NANOS) {
                    rest.accept(Math.min(MAX_REST_NANOS, REST_FACTOR * (end - start)));
                }
            }
        });
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
