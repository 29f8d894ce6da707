package org.spiffelab.webapp;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes java.util.logging (java-spiffe and grpc-java log through it) to SLF4J, so the webapp has one log format.
 * An agent restart is an expected outage: java-spiffe reports each failed reconnect with the exception, and a stack
 * trace per retry buries what matters. Records from those libraries therefore carry the cause chain's messages in
 * one line and no stack trace; anything else keeps its throwable.
 */
final class JulToSlf4j extends Handler {

    private static final String[] ONE_LINE = {"io.spiffe.", "io.grpc."};

    private JulToSlf4j() {
    }

    /** Replaces the root JUL logger's handlers with this one. */
    static void install() {
        java.util.logging.Logger root = LogManager.getLogManager().getLogger("");
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        root.addHandler(new JulToSlf4j());
        root.setLevel(Level.INFO);
    }

    @Override
    public void publish(LogRecord record) {
        if (record == null) {
            return;
        }
        Entry entry = entry(record);
        Logger log = LoggerFactory.getLogger(entry.logger());
        if (entry.level() >= Level.SEVERE.intValue()) {
            log.error(entry.message(), entry.thrown());
        } else if (entry.level() >= Level.WARNING.intValue()) {
            log.warn(entry.message(), entry.thrown());
        } else if (entry.level() >= Level.INFO.intValue()) {
            log.info(entry.message(), entry.thrown());
        } else {
            log.debug(entry.message(), entry.thrown());
        }
    }

    /** What one JUL record becomes: logger, JUL level value, message, and the throwable to print (or null). */
    record Entry(String logger, int level, String message, Throwable thrown) {
    }

    static Entry entry(LogRecord record) {
        String name = record.getLoggerName() == null ? "jul" : record.getLoggerName();
        String message = message(record);
        Throwable thrown = record.getThrown();
        int level = record.getLevel().intValue();
        if (thrown != null && oneLine(name)) {
            String causes = causes(thrown);
            message = message + ": " + causes;
            thrown = null;
            // The agent restarting or its socket gone: expected, retried, worth a warning rather than an error.
            if (causes.contains("UNAVAILABLE")) {
                level = Math.min(level, Level.WARNING.intValue());
            }
        }
        return new Entry(name, level, message, thrown);
    }

    /** "a: b: c" for each distinct message down the cause chain. */
    static String causes(Throwable thrown) {
        StringBuilder out = new StringBuilder();
        String last = null;
        int depth = 0;
        for (Throwable t = thrown; t != null && depth < 8; t = t.getCause(), depth++) {
            String text = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (!text.equals(last)) {
                out.append(out.isEmpty() ? "" : ": ").append(text);
                last = text;
            }
        }
        return out.toString();
    }

    private static boolean oneLine(String logger) {
        for (String prefix : ONE_LINE) {
            if (logger.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static String message(LogRecord record) {
        String text = record.getMessage() == null ? "" : record.getMessage();
        Object[] parameters = record.getParameters();
        if (parameters != null && parameters.length > 0 && text.contains("{0")) {
            try {
                return java.text.MessageFormat.format(text, parameters);
            } catch (IllegalArgumentException e) {
                return text;
            }
        }
        return text;
    }

    @Override
    public void flush() {
        // SLF4J's binding flushes itself
    }

    @Override
    public void close() {
        // nothing held
    }
}
