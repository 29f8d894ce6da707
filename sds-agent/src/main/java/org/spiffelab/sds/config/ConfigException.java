package org.spiffelab.sds.config;

/** A setting that cannot work: the message names the field and what it accepts. */
public final class ConfigException extends RuntimeException {

    public ConfigException(String message) {
        super(message);
    }
}
