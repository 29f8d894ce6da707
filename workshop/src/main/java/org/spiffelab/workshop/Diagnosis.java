package org.spiffelab.workshop;

import java.util.List;

/**
 * What {@code doctor} concluded.
 *
 * @param cause    a fault's id, or {@code healthy}, {@code no-lab}, {@code not-registered}, {@code warming}, {@code unknown}
 * @param evidence what it read on the live stack that led there
 */
record Diagnosis(String cause, String summary, List<String> evidence, String fix) {

    static final String HEALTHY = "healthy";

    boolean healthy() {
        return cause.equals(HEALTHY);
    }
}
