package org.spiffelab.sds.authz;

/** A token refused for a reason that becomes the 401 body. Thrown on hostile input, so it carries no stack trace. */
final class Rejected extends Exception {

    Rejected(String reason) {
        super(reason, null, false, false);
    }
}
