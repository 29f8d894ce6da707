package org.spiffelab.webapp.workload;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Asks the Workload API for this workload's JWT-SVID for an audience, to show its header and claims. java-spiffe's
 * fetch sets no deadline, so it runs on one worker of its own and a view waits at most {@code timeout}: a hung agent
 * costs that one thread, never the page, and while it is busy later views are told so at once (nothing queues).
 */
public final class JwtSvidInspector implements AutoCloseable {

    /** Fetches a JWT-SVID's compact token for the audience. */
    public interface Fetcher {
        String fetch(String audience) throws Exception;
    }

    private final Fetcher fetcher;
    private final Duration timeout;
    private final ThreadPoolExecutor worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
        Thread thread = new Thread(r, "jwt-svid-inspector");
        thread.setDaemon(true);
        return thread;
    });

    public JwtSvidInspector(Fetcher fetcher, Duration timeout) {
        this.fetcher = fetcher;
        this.timeout = timeout;
    }

    public JwtSvidSummary inspect(String audience) {
        Future<String> token;
        try {
            token = worker.submit(() -> fetcher.fetch(audience));
        } catch (RejectedExecutionException busy) {
            return JwtSvidSummary.unavailable("the Workload API has not answered the previous request for it yet");
        }
        try {
            return JwtSvidSummary.of(token.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            return JwtSvidSummary.unavailable("the Workload API did not answer within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            return JwtSvidSummary.unavailable("the Workload API issued none: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return JwtSvidSummary.unavailable("interrupted");
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
