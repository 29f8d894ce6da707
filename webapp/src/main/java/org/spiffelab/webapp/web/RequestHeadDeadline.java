package org.spiffelab.webapp.web;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Closes a connection that delivers no complete request head for a whole {@code timeout} while none of its requests
 * is being answered: a silent client, one trickling header bytes to stay under the idle timeout, or an idle
 * keep-alive connection. A request in progress is never cut; the idle timeout covers those.
 */
final class RequestHeadDeadline implements Connection.Listener {

    private final Scheduler scheduler;
    private final long timeoutMillis;
    private final Map<Connection, Scheduler.Task> checks = new ConcurrentHashMap<>();

    RequestHeadDeadline(Scheduler scheduler, Duration timeout) {
        this.scheduler = scheduler;
        this.timeoutMillis = timeout.toMillis();
    }

    @Override
    public void onOpened(Connection connection) {
        schedule(connection, connection.getMessagesIn());
    }

    @Override
    public void onClosed(Connection connection) {
        Scheduler.Task check = checks.remove(connection);
        if (check != null) {
            check.cancel();
        }
    }

    private void schedule(Connection connection, long headsBefore) {
        checks.put(connection, scheduler.schedule(() -> check(connection, headsBefore), timeoutMillis, TimeUnit.MILLISECONDS));
    }

    private void check(Connection connection, long headsBefore) {
        if (!checks.containsKey(connection)) {
            return;
        }
        long heads = connection.getMessagesIn();
        boolean answering = heads > connection.getMessagesOut();
        if (heads == headsBefore && !answering) {
            checks.remove(connection);
            connection.getEndPoint().close();
        } else {
            schedule(connection, heads);
        }
    }
}
