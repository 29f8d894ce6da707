package org.spiffelab.webapp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class JulToSlf4jTest {

    @Test
    void anOutageIsOneLineOfDistinctCauses() {
        Throwable grpc = new IllegalStateException("UNAVAILABLE: io exception",
                new IOException("connect failed: /run/spire/sockets/agent.sock", new IOException("connect failed: /run/spire/sockets/agent.sock")));
        assertThat(JulToSlf4j.causes(new RuntimeException("Error fetching X509Context", grpc)))
                .isEqualTo("Error fetching X509Context: UNAVAILABLE: io exception: connect failed: /run/spire/sockets/agent.sock");
    }
}
