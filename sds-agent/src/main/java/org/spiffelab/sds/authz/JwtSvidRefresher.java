package org.spiffelab.sds.authz;

import io.spiffe.svid.jwtsvid.JwtSvid;
import io.spiffe.workloadapi.WorkloadApiClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This workload's JWT-SVID for one audience, kept fresh in the background for inject mode: fetched at start, again
 * when half of its remaining lifetime is left (as SPIRE renews), and with backoff after a failure. Each fetch has a
 * deadline; a fetch that misses it is cancelled and the client replaced. A request only ever reads the held token, so
 * a hung Workload API costs no Check thread (java-spiffe's CachedJwtSource fetches on the caller's thread, under a
 * lock, without a deadline: exactly what piled up every Check thread).
 */
public final class JwtSvidRefresher implements AutoCloseable {

    static final Duration FETCH_DEADLINE = Duration.ofSeconds(5);
    private static final Duration FIRST_RETRY = Duration.ofMillis(500);
    private static final Duration MAX_RETRY = Duration.ofSeconds(30);
    /** Until a first token is held, retry often: readiness waits on it, and registration may land at any moment. */
    private static final Duration MAX_RETRY_BEFORE_FIRST = Duration.ofSeconds(2);
    private static final Duration MIN_REFRESH = Duration.ofSeconds(1);
    private static final Logger LOG = LoggerFactory.getLogger(JwtSvidRefresher.class);

    private final Supplier<WorkloadApiClient> clients;
    private final String audience;
    private final Clock clock;
    private final Runnable onFirst;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(daemon("jwt-svid-refresh"));
    private final ExecutorService fetcher = Executors.newSingleThreadExecutor(daemon("jwt-svid-fetch"));
    private WorkloadApiClient client;
    private Duration retry = FIRST_RETRY;
    private volatile JwtSvid current;
    private volatile String lastFailure = "not fetched yet";

    /** @param onFirst runs once, when the first JWT-SVID is held */
    public JwtSvidRefresher(Supplier<WorkloadApiClient> clients, String audience, Clock clock, Runnable onFirst) {
        this.clients = clients;
        this.audience = audience;
        this.clock = clock;
        this.onFirst = onFirst;
    }

    public void start() {
        scheduler.execute(this::refresh);
    }

    /** Fetch now if no token is held yet (e.g. the X.509 SVID just arrived: the workload is registered). */
    public void fetchNowIfNoneHeld() {
        if (current == null && !scheduler.isShutdown()) {
            scheduler.execute(() -> {
                if (current == null) {
                    refresh();
                }
            });
        }
    }

    /** The held compact token, without waiting. @throws NoToken when none is held or it has expired */
    public String token() throws NoToken {
        JwtSvid svid = current;
        if (svid == null) {
            throw new NoToken("no JWT-SVID for audience " + audience + " from the Workload API yet (" + lastFailure
                    + "): is this workload registered?");
        }
        if (!svid.getExpiry().toInstant().isAfter(clock.instant())) {
            throw new NoToken("the JWT-SVID for audience " + audience + " expired and renewing it fails (" + lastFailure + ")");
        }
        return svid.getToken();
    }

    public String audience() {
        return audience;
    }

    private void refresh() {
        if (client == null) {
            client = clients.get();
        }
        WorkloadApiClient using = client;
        Future<JwtSvid> fetch = fetcher.submit(() -> using.fetchJwtSvid(audience));
        try {
            JwtSvid fresh = fetch.get(FETCH_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            boolean first = current == null;
            current = fresh;
            retry = FIRST_RETRY;
            Instant now = clock.instant();
            Duration half = Duration.between(now, fresh.getExpiry().toInstant()).dividedBy(2);
            scheduler.schedule(this::refresh, Math.max(MIN_REFRESH.toMillis(), half.toMillis()), TimeUnit.MILLISECONDS);
            if (first) {
                LOG.info("JWT-SVID for audience {} held (expires {})", audience, fresh.getExpiry().toInstant());
                onFirst.run();
            }
        } catch (TimeoutException e) {
            fetch.cancel(true);
            closeQuietly(using);
            client = null;   // a new connection next time: this one may be stuck
            failed("no answer within " + FETCH_DEADLINE.toSeconds() + " s");
        } catch (ExecutionException e) {
            failed(e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failed(e.toString());
        }
    }

    private void failed(String why) {
        lastFailure = why;
        Duration cap = current == null ? MAX_RETRY_BEFORE_FIRST : MAX_RETRY;
        Duration delay = retry.compareTo(cap) > 0 ? cap : retry;
        retry = retry.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retry.multipliedBy(2);
        LOG.warn("fetching the JWT-SVID for audience {} failed ({}); {}retrying in {} ms", audience, why,
                current == null ? "" : "keeping the held one until it expires; ", delay.toMillis());
        if (!scheduler.isShutdown()) {
            scheduler.schedule(this::refresh, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private static void closeQuietly(WorkloadApiClient client) {
        try {
            client.close();
        } catch (Exception e) {
            LOG.debug("closing a Workload API client", e);
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        fetcher.shutdownNow();
        if (client != null) {
            closeQuietly(client);
        }
    }

    /** No usable JWT-SVID is held; the message says why. */
    public static final class NoToken extends Exception {
        NoToken(String message) {
            super(message, null, false, false);
        }
    }
}
