package org.spiffelab.sds.secrets;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stream's log lines, bounded: a client cannot fill the disk by talking. At most {@link #BURST} lines at info or
 * warn, then one per {@link #REFILL_NANOS}; values are shortened. Debug lines are not counted (off by default).
 */
final class StreamLog {

    private static final Logger LOG = LoggerFactory.getLogger(SdsStream.class);
    static final int BURST = 20;
    static final long REFILL_NANOS = 10_000_000_000L;
    private static final int MAX_VALUE = 200;
    private static final int MAX_NAMES = 5;

    private final long id;
    private double tokens = BURST;
    private long refilled = System.nanoTime();
    private long suppressed;

    StreamLog(long id) {
        this.id = id;
    }

    void info(String format, Object... args) {
        if (LOG.isInfoEnabled() && take()) {
            LOG.info(prefix() + format, args);
        }
    }

    void warn(String format, Object... args) {
        if (LOG.isWarnEnabled() && take()) {
            LOG.warn(prefix() + format, args);
        }
    }

    void debug(String format, Object... args) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("stream=" + id + " " + format, args);
        }
    }

    private String prefix() {
        String prefix = "stream=" + id + (suppressed > 0 ? " (" + suppressed + " lines suppressed)" : "") + " ";
        suppressed = 0;
        return prefix;
    }

    private boolean take() {
        long now = System.nanoTime();
        tokens = Math.min(BURST, tokens + (now - refilled) / (double) REFILL_NANOS);
        refilled = now;
        if (tokens >= 1) {
            tokens--;
            return true;
        }
        suppressed++;
        return false;
    }

    static String shorten(String value) {
        return value.length() <= MAX_VALUE ? value : value.substring(0, MAX_VALUE) + "…(" + value.length() + " chars)";
    }

    static String names(List<String> names) {
        List<String> shown = names.stream().limit(MAX_NAMES).map(StreamLog::shorten).toList();
        return names.size() <= MAX_NAMES ? shown.toString() : shown + " and " + (names.size() - MAX_NAMES) + " more";
    }
}
