package org.spiffelab.sds.authz;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The few threads that verify signatures, with a bounded queue. Only tokens not yet verified come here, so a flood of
 * forged tokens can occupy these threads (at most half the cores) and this queue, never the gRPC threads that answer
 * callers whose token is already verified. When the queue is full a request is refused at once (503) rather than
 * waiting without bound.
 */
public final class VerificationPool implements Executor, AutoCloseable {

    static final int QUEUE = 256;
    private final ThreadPoolExecutor executor;

    public VerificationPool() {
        this(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
    }

    public VerificationPool(int threads) {
        AtomicInteger count = new AtomicInteger();
        executor = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), runnable -> {
            Thread thread = new Thread(runnable, "jwt-verify-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }, new ThreadPoolExecutor.AbortPolicy());
    }

    /** @throws java.util.concurrent.RejectedExecutionException when {@value #QUEUE} verifications already wait */
    @Override
    public void execute(Runnable verification) {
        executor.execute(verification);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
