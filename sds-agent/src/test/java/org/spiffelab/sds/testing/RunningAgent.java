package org.spiffelab.sds.testing;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.spiffelab.sds.secrets.Aliases;
import org.spiffelab.sds.secrets.SdsService;
import org.spiffelab.sds.secrets.SecretResolver;
import org.spiffelab.sds.server.SdsServer;
import org.spiffelab.sds.workload.WorkloadApi;
import org.spiffelab.sds.workload.WorkloadWatcher;

/** sds-agent wired as SdsAgentMain wires it, against a fake Workload API, in one JVM. */
public final class RunningAgent implements AutoCloseable {

    public final FakeWorkloadApi workloadApi;
    public final WorkloadWatcher watcher;
    public final SdsService sds;
    public final SdsServer server;
    public final Path sdsSocket;

    public RunningAgent(Path dir, boolean disableSpiffeValidator) throws Exception {
        workloadApi = new FakeWorkloadApi(dir.resolve("workload.sock"));
        sdsSocket = dir.resolve("sds").resolve("sds.sock");
        watcher = new WorkloadWatcher(WorkloadApi.client(workloadApi.address()), workloadApi.address());
        sds = new SdsService(new SecretResolver(Aliases.SPIRE_DEFAULTS), disableSpiffeValidator, watcher::current);
        server = new SdsServer(sdsSocket, PosixFilePermissions.fromString("rw-rw----"), null, sds);
        watcher.addListener(sds);
        watcher.addListener(snapshot -> server.serving(true));
        watcher.start();
    }

    /** Publishes and waits until the agent holds that update. */
    public void publishAndWait(io.spiffe.workloadapi.grpc.Workload.X509SVIDResponse response) throws InterruptedException {
        long before = watcher.current() == null ? 0 : watcher.current().version();
        workloadApi.publish(response);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> watcher.current() != null && watcher.current().version() > before);
    }

    @Override
    public void close() {
        server.close();
        watcher.close();
        workloadApi.close();
    }
}
