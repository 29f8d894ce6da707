package org.spiffelab.sds;

import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.time.Clock;
import org.spiffelab.sds.authz.AuthzMode;
import org.spiffelab.sds.authz.AuthzService;
import org.spiffelab.sds.authz.JwtBundleSource;
import org.spiffelab.sds.authz.JwtSvidRefresher;
import org.spiffelab.sds.authz.JwtSvidValidator;
import org.spiffelab.sds.authz.VerificationPool;
import org.spiffelab.sds.config.AgentConfig;
import org.spiffelab.sds.config.AgentConfigLoader;
import org.spiffelab.sds.config.ConfigException;
import org.spiffelab.sds.secrets.SdsService;
import org.spiffelab.sds.secrets.SecretResolver;
import org.spiffelab.sds.secrets.ValidationMode;
import org.spiffelab.sds.server.CallerCheck;
import org.spiffelab.sds.server.Readiness;
import org.spiffelab.sds.server.SdsServer;
import org.spiffelab.sds.server.StatusService;
import org.spiffelab.sds.workload.JavaSpiffeLogging;
import org.spiffelab.sds.workload.WorkloadApi;
import org.spiffelab.sds.workload.WorkloadWatcher;

/**
 * {@code sds-agent [run] [--field=value ...]} serves SDS; {@code sds-agent dump} prints what it would serve.
 * Settings: see {@link AgentConfigLoader}.
 */
public final class SdsAgentMain {

    private SdsAgentMain() {
    }

    public static void main(String[] argv) throws Exception {
        List<String> args = new ArrayList<>(Arrays.asList(argv));
        String command = !args.isEmpty() && !args.get(0).startsWith("--") ? args.remove(0) : "run";
        AgentConfig config;
        try {
            config = AgentConfigLoader.load(args, Map.copyOf(System.getenv()));
        } catch (ConfigException e) {
            System.err.println("sds-agent: " + e.getMessage());
            System.exit(2);
            return;
        }
        // Before the first logger exists.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", config.logLevel());
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        // netty asks epoll Unix sockets for TCP keep-alive and warns once per connection that they have none
        System.setProperty("org.slf4j.simpleLogger.log.io.grpc.netty.shaded.io.netty.bootstrap", "error");
        switch (command) {
            case "run" -> run(config);
            case "dump" -> dump(config);
            case "health" -> health(config);
            case "status" -> status(config);
            default -> {
                System.err.println("sds-agent: unknown command '" + command + "'; use run (default), dump, health or status");
                System.exit(2);
            }
        }
    }

    private static void run(AgentConfig config) throws Exception {
        JavaSpiffeLogging javaSpiffeLog = JavaSpiffeLogging.install(config.workloadApiSocket());
        WorkloadWatcher watcher = new WorkloadWatcher(WorkloadApi.client(config.workloadApiSocket()), config.workloadApiSocket());
        SdsService sds = new SdsService(new SecretResolver(config.aliases()), config.disableSpiffeCertValidation(), watcher::current);
        List<io.grpc.BindableService> services = new ArrayList<>(List.of(sds, new StatusService(() -> Map.of(
                "sds_streams_open", (long) sds.openStreams(), "sds_streams_opened", sds.streamsOpened(),
                "snapshot_version", watcher.current() == null ? 0L : watcher.current().version()))));
        // SERVING once the X.509 SVID and what ext_authz needs (JWT bundles, or our JWT-SVID) are both held.
        Readiness readiness = new Readiness(config.authzMode() == AuthzMode.NONE ? List.of("x509-svid") : List.of("x509-svid", "authz"));
        Runnable authzReady = () -> readiness.met("authz");
        AutoCloseable authz = () -> { };
        Runnable startAuthz = () -> { };
        Runnable onX509 = () -> { };
        switch (config.authzMode()) {
            case INJECT -> {
                JwtSvidRefresher refresher = new JwtSvidRefresher(() -> WorkloadApi.client(config.workloadApiSocket()),
                        config.jwtAudience(), Clock.systemUTC(), authzReady);
                services.add(AuthzService.injecting(refresher));
                authz = refresher;
                startAuthz = refresher::start;
                onX509 = refresher::fetchNowIfNoneHeld;
            }
            case VALIDATE -> {
                JwtBundleSource bundles = new JwtBundleSource(config.workloadApiSocket(), config.svidTimeout(), authzReady);
                VerificationPool verifications = new VerificationPool();
                services.add(AuthzService.validating(new JwtSvidValidator(bundles, config.jwtAudience(), config.jwtAllowedSubjects(),
                        Clock.systemUTC()), verifications));
                authz = () -> {
                    bundles.close();
                    verifications.close();
                };
                startAuthz = bundles::start;
            }
            case NONE -> { }
        }
        SdsServer server;
        try {
            server = new SdsServer(config.sdsSocket(), config.sdsSocketMode(), config.tcpAddress(), services,
                    new CallerCheck(config.allowedUids(), config.allowedGids()));
        } catch (java.io.IOException e) {
            System.err.println("sds-agent: " + e.getMessage());
            System.exit(1);
            return;
        }
        readiness.reportTo(server::serving);
        AutoCloseable authzToClose = authz;
        watcher.addListener(sds);
        Runnable x509Arrived = onX509;
        watcher.addListener(snapshot -> {
            readiness.met("x509-svid");
            x509Arrived.run();
        });
        watcher.addListener(snapshot -> javaSpiffeLog.recovered());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            watcher.close();
            try {
                authzToClose.close();
            } catch (Exception e) {
                // shutting down anyway
            }
            stopped.countDown();
        }, "shutdown"));
        startAuthz.run();
        watcher.start();
        if (!watcher.awaitFirst(config.svidTimeout())) {
            org.slf4j.LoggerFactory.getLogger(SdsAgentMain.class).warn(
                    "no SVID after {}s from {}: is this workload registered? Serving once one arrives.",
                    config.svidTimeout().toSeconds(), config.workloadApiSocket());
        }
        stopped.await();
    }

    /**
     * Exit 0 when the agent on sds_socket reports SERVING (for container health checks). The deadline covers a cold
     * JVM's first connection on a loaded host (3 s was missed there with the agent answering in milliseconds).
     */
    private static void health(AgentConfig config) throws InterruptedException {
        io.grpc.netty.shaded.io.netty.channel.EventLoopGroup group = org.spiffelab.sds.server.UnixChannels.eventLoops(1);
        io.grpc.ManagedChannel channel = org.spiffelab.sds.server.UnixChannels.open(config.sdsSocket(), group);
        int exit;
        try {
            var status = io.grpc.health.v1.HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
                    .check(io.grpc.health.v1.HealthCheckRequest.getDefaultInstance()).getStatus();
            System.out.println(status);
            exit = status == io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING ? 0 : 1;
        } catch (io.grpc.StatusRuntimeException e) {
            System.out.println("unreachable: " + e.getStatus());
            exit = 1;
        }
        channel.shutdownNow();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
        System.exit(exit);
    }

    /** Prints the running agent's counters (open SDS streams, ...) as JSON; exit 1 when it does not answer. */
    private static void status(AgentConfig config) {
        io.grpc.netty.shaded.io.netty.channel.EventLoopGroup group = org.spiffelab.sds.server.UnixChannels.eventLoops(1);
        io.grpc.ManagedChannel channel = org.spiffelab.sds.server.UnixChannels.open(config.sdsSocket(), group);
        int exit = 0;
        try {
            StringBuilder json = new StringBuilder("{");
            new java.util.TreeMap<>(StatusService.get(channel).getFieldsMap()).forEach((k, v) ->
                    json.append(json.length() > 1 ? "," : "").append('"').append(k).append("\":").append((long) v.getNumberValue()));
            System.out.println(json.append('}'));
        } catch (io.grpc.StatusRuntimeException e) {
            System.out.println("unreachable: " + e.getMessage());
            exit = 1;
        }
        channel.shutdownNow();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
        System.exit(exit);
    }

    private static void dump(AgentConfig config) throws InterruptedException {
        JavaSpiffeLogging.install(config.workloadApiSocket());
        try (WorkloadWatcher watcher = new WorkloadWatcher(WorkloadApi.client(config.workloadApiSocket()),
                config.workloadApiSocket())) {
            watcher.start();
            if (!watcher.awaitFirst(config.svidTimeout())) {
                System.err.println("sds-agent: no SVID after " + config.svidTimeout().toSeconds() + "s from "
                        + config.workloadApiSocket() + ": is this workload registered?");
                System.exit(3);
            }
            Dump.print(watcher.current(), config.aliases(),
                    ValidationMode.forNode(Node.getDefaultInstance(), config.disableSpiffeCertValidation()), System.out);
        }
        System.exit(0);
    }
}
