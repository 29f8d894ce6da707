package org.spiffelab.webapp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class JulToSlf4jTest {

    static final Throwable AGENT_GONE = new IllegalStateException("UNAVAILABLE: io exception",
            new IOException("connect failed: /run/spire/sockets/agent.sock", new IOException("connect failed: /run/spire/sockets/agent.sock")));

    @Test
    void anOutageIsOneLineOfDistinctCauses() {
        assertThat(JulToSlf4j.causes(new RuntimeException("Error fetching X509Context", AGENT_GONE)))
                .isEqualTo("Error fetching X509Context: UNAVAILABLE: io exception: connect failed: /run/spire/sockets/agent.sock");
    }

    @Test
    void javaSpiffesSevereOutageBecomesAOneLineWarningWithoutStackTrace() {
        LogRecord record = new LogRecord(Level.SEVERE, "X.509 context observer error");
        record.setLoggerName("io.spiffe.workloadapi.StreamObservers");
        record.setThrown(AGENT_GONE);
        JulToSlf4j.Entry entry = JulToSlf4j.entry(record);
        assertThat(entry.thrown()).isNull();
        assertThat(entry.level()).isEqualTo(Level.WARNING.intValue());
        assertThat(entry.message()).isEqualTo("X.509 context observer error: UNAVAILABLE: io exception: connect failed: /run/spire/sockets/agent.sock");
    }

    @Test
    void otherLibrariesKeepTheirStackTraceAndLevel() {
        LogRecord record = new LogRecord(Level.SEVERE, "boom");
        record.setLoggerName("org.example.Other");
        record.setThrown(AGENT_GONE);
        JulToSlf4j.Entry entry = JulToSlf4j.entry(record);
        assertThat(entry.thrown()).isSameAs(AGENT_GONE);
        assertThat(entry.level()).isEqualTo(Level.SEVERE.intValue());
    }
}
