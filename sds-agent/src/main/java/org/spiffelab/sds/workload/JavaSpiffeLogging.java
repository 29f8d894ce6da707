package org.spiffelab.sds.workload;

import io.grpc.Status;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.slf4j.LoggerFactory;

/**
 * java-spiffe logs through java.util.logging, with a stack trace for every failed attempt while the Workload API is
 * away. This handler takes its records instead: trouble becomes one line of ours naming the socket and the cause
 * (socket absent, permission denied, no identity issued, ...), repeated only when the cause changes or once a minute;
 * everything else goes to SLF4J under java-spiffe's logger names, without stack traces.
 */
public final class JavaSpiffeLogging extends Handler {

    static final Duration REPEAT = Duration.ofMinutes(1);

    private final String address;
    private final Consumer<String> trouble;
    private String lastCause;
    private long lastLogged;

    JavaSpiffeLogging(String address, Consumer<String> trouble) {
        this.address = address;
        this.trouble = trouble;
    }

    /** Routes java-spiffe's logging (logger {@code io.spiffe}) through this handler, for the process. */
    public static JavaSpiffeLogging install(String address) {
        Logger root = Logger.getLogger("io.spiffe");
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        org.slf4j.Logger ours = LoggerFactory.getLogger(WorkloadWatcher.class);
        JavaSpiffeLogging handler = new JavaSpiffeLogging(address, ours::warn);
        root.addHandler(handler);
        root.setUseParentHandlers(false);
        root.setLevel(Level.INFO);
        return handler;
    }

    @Override
    public synchronized void publish(LogRecord record) {
        if (record.getThrown() != null) {
            String cause = cause(record.getThrown());
            long now = System.nanoTime();
            if (!cause.equals(lastCause) || now - lastLogged >= REPEAT.toNanos()) {
                trouble.accept("Workload API at " + address + ": " + cause + "; retrying with backoff, serving the last secrets");
                lastCause = cause;
                lastLogged = now;
            }
            return;
        }
        org.slf4j.Logger logger = LoggerFactory.getLogger(record.getLoggerName() == null ? "io.spiffe" : record.getLoggerName());
        String message = record.getMessage();
        int level = record.getLevel().intValue();
        if (level >= Level.SEVERE.intValue()) {
            logger.error(message);
        } else if (level >= Level.WARNING.intValue()) {
            logger.warn(message);
        } else if (level >= Level.INFO.intValue()) {
            logger.info(message);
        } else {
            logger.debug(message);
        }
    }

    /** Back to normal: the next trouble is reported at once. */
    public synchronized void recovered() {
        lastCause = null;
    }

    /** The cause in a few words: what an operator can act on. */
    static String cause(Throwable thrown) {
        Status status = Status.fromThrowable(thrown);
        String detail = describe(thrown);
        String lower = detail.toLowerCase(java.util.Locale.ROOT);
        if (lower.contains("no such file")) {
            return "socket absent (is the SPIRE agent running and its socket mounted?)";
        }
        if (lower.contains("permission denied") || lower.contains("eacces")) {
            return "permission denied on the socket (check the socket's mode and this process's uid/gid)";
        }
        if (lower.contains("connection refused")) {
            return "connection refused (a stale socket: is the SPIRE agent running?)";
        }
        if (status.getCode() == Status.Code.PERMISSION_DENIED) {
            return "no identity issued (is this workload registered?)";
        }
        return status.getCode() + (status.getDescription() == null ? "" : " " + status.getDescription())
                + (detail.isEmpty() ? "" : " (" + detail + ")");
    }

    private static String describe(Throwable thrown) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = thrown; t != null && all.length() < 500; t = t.getCause()) {
            if (t.getMessage() != null) {
                all.append(all.length() == 0 ? "" : ": ").append(t.getMessage());
            }
        }
        return all.toString();
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
}
