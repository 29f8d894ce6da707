package org.spiffelab.sds.authz;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Logs denials at INFO, at most {@value #PER_SECOND} a second; beyond that it counts them and reports the count with the
 * next logged denial. A flood of forged tokens must not become a flood of synchronous log writes.
 */
final class DenialLog {

    static final int PER_SECOND = 20;
    private final Logger log;
    private final AtomicLong window = new AtomicLong();
    private final AtomicLong inWindow = new AtomicLong();
    private final AtomicLong suppressed = new AtomicLong();

    DenialLog(Logger log) {
        this.log = log;
    }

    /** @return whether this denial may be logged now (then the caller logs it at INFO); counts it otherwise */
    boolean admit() {
        long second = System.nanoTime() / 1_000_000_000L;
        long current = window.get();
        if (second != current && window.compareAndSet(current, second)) {
            inWindow.set(0);
        }
        if (inWindow.incrementAndGet() > PER_SECOND) {
            suppressed.incrementAndGet();
            return false;
        }
        long skipped = suppressed.getAndSet(0);
        if (skipped > 0) {
            log.info("ext_authz: {} more denials not logged (more than {} a second)", skipped, PER_SECOND);
        }
        return true;
    }
}
