package org.spiffelab.webapp.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkloadIdentityTest {

    @Test
    void noSvidInTimeNamesTheSocketAndTheLikelyCause(@TempDir Path dir) {
        String socket = "unix:" + dir.resolve("agent.sock");
        assertThatThrownBy(() -> WorkloadIdentity.connect(socket, Duration.ofSeconds(2)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no SVID after 2s from " + socket)
                .hasMessageContaining("registered");
    }

    @Test
    void rotationsCountUpdatesAfterTheFirst() {
        long[] updates = {0};
        WorkloadIdentity identity = new WorkloadIdentity(null, () -> updates[0]);
        assertThat(identity.rotations()).isZero();
        updates[0] = 1;
        assertThat(identity.rotations()).isZero();
        updates[0] = 4;
        assertThat(identity.rotations()).isEqualTo(3);
    }
}
