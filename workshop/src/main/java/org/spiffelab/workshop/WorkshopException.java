package org.spiffelab.workshop;

/** A failure to tell the attendee in plain words (no stack trace). */
final class WorkshopException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    WorkshopException(String message) {
        super(message);
    }

    WorkshopException(String message, Throwable cause) {
        super(message, cause);
    }
}
