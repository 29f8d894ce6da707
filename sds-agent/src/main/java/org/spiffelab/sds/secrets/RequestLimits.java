package org.spiffelab.sds.secrets;

import io.grpc.Status;
import java.util.List;

/**
 * Bounds on what one request may name, checked before anything is looked up. SPIRE has none; these are far above
 * anything Envoy sends (a handful of names, SPIFFE IDs are at most 2048 bytes), so only hostile requests meet them.
 *
 * @param maxNames      resource names per request
 * @param maxNameLength characters per name
 */
public record RequestLimits(int maxNames, int maxNameLength) {

    public static final RequestLimits DEFAULT = new RequestLimits(100, 2048);

    /** The status refusing these names, or null when they are within bounds. */
    Status check(List<String> names) {
        if (names.size() > maxNames) {
            return Status.INVALID_ARGUMENT.withDescription("too many resource names: " + names.size() + " (at most " + maxNames + ")");
        }
        for (String name : names) {
            if (name.length() > maxNameLength) {
                return Status.INVALID_ARGUMENT.withDescription("resource name of " + name.length() + " characters (at most "
                        + maxNameLength + ")");
            }
        }
        return null;
    }
}
