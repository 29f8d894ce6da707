package org.spiffelab.sds.workload;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** java-spiffe's stack traces become one line of ours per cause, naming the socket and what to check. */
class JavaSpiffeLoggingTest {

    private static final String SOCKET = "unix:/run/spire/sockets/agent.sock";

    @Test
    void oneLinePerCauseNamingTheSocket() {
        List<String> lines = new ArrayList<>();
        JavaSpiffeLogging logging = new JavaSpiffeLogging(SOCKET, lines::add);
        LogRecord absent = failure(Status.UNAVAILABLE.withDescription("io exception")
                .withCause(new IOException("connect(..) failed: No such file or directory")));
        for (int i = 0; i < 20; i++) {
            logging.publish(absent);
        }
        logging.publish(failure(Status.UNAVAILABLE.withDescription("io exception")
                .withCause(new IOException("connect(..) failed: Permission denied"))));
        logging.publish(failure(Status.PERMISSION_DENIED.withDescription("no identity issued")));
        assertThat(lines).containsExactly(
                "Workload API at " + SOCKET + ": socket absent (is the SPIRE agent running and its socket mounted?); "
                        + "retrying with backoff, serving the last secrets",
                "Workload API at " + SOCKET + ": permission denied on the socket (check the socket's mode and this process's "
                        + "uid/gid); retrying with backoff, serving the last secrets",
                "Workload API at " + SOCKET + ": no identity issued (is this workload registered?); retrying with backoff, "
                        + "serving the last secrets");
        assertThat(lines).allSatisfy(line -> assertThat(line).doesNotContain("\n").doesNotContain("\tat "));

        logging.recovered();
        logging.publish(failure(Status.PERMISSION_DENIED.withDescription("no identity issued")));
        assertThat(lines).hasSize(4);
    }

    private static LogRecord failure(Status status) {
        LogRecord record = new LogRecord(Level.SEVERE, "X.509 context observer error");
        record.setThrown(status.asRuntimeException());
        record.setLoggerName("io.spiffe.workloadapi.StreamObservers");
        return record;
    }
}
