package org.spiffelab.webapp.tls;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The last few certificates of one party (this workload, or the server it called), newest first, one row per serial:
 * a rotation shows as a new row. Bounded: at most {@code capacity} rows, the oldest dropped. Thread-safe.
 */
public final class CertificateTimeline {

    /** Rows kept per party: enough for a few rotations of a short-lived SVID on one screen. */
    public static final int DEFAULT_CAPACITY = 6;

    /**
     * @param serial    hexadecimal, as {@code openssl x509 -serial} and Envoy's /certs print it (lower case)
     * @param firstSeen when this webapp first saw it (ISO-8601), not when it was issued
     */
    public record Entry(String serial, String notBefore, String notAfter, String firstSeen) {
    }

    private final int capacity;
    private final Clock clock;
    private final Deque<Entry> entries = new ArrayDeque<>();

    public CertificateTimeline() {
        this(DEFAULT_CAPACITY, Clock.systemUTC());
    }

    public CertificateTimeline(int capacity, Clock clock) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1");
        }
        this.capacity = capacity;
        this.clock = clock;
    }

    /** Records {@code certificate} unless its serial is already here. */
    public synchronized void saw(X509Certificate certificate) {
        String serial = certificate.getSerialNumber().toString(16);
        if (entries.stream().anyMatch(e -> e.serial().equals(serial))) {
            return;
        }
        entries.addFirst(new Entry(serial, certificate.getNotBefore().toInstant().toString(),
                certificate.getNotAfter().toInstant().toString(), Instant.now(clock).toString()));
        while (entries.size() > capacity) {
            entries.removeLast();
        }
    }

    /** Newest first. */
    public synchronized List<Entry> entries() {
        return List.copyOf(entries);
    }
}
