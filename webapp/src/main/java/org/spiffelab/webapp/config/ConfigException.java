package org.spiffelab.webapp.config;

/** A setting that cannot work; the message says which and what to do. */
public final class ConfigException extends RuntimeException {

    public ConfigException(String message) {
        super(message);
    }
}
