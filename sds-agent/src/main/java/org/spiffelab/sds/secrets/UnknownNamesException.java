package org.spiffelab.sds.secrets;

import java.util.List;

/** Requested resource names this workload cannot be served. */
final class UnknownNamesException extends Exception {

    private static final int SHOWN = 10;

    UnknownNamesException(List<String> names) {
        super("workload is not authorized for the requested identities " + shown(names));
    }

    private static String shown(List<String> names) {
        if (names.size() <= SHOWN) {
            return names.toString();
        }
        return names.subList(0, SHOWN) + " and " + (names.size() - SHOWN) + " more";
    }
}
