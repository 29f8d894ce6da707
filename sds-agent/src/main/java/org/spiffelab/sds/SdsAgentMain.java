package org.spiffelab.sds;

import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.spiffelab.sds.authz.AuthzService;
import org.spiffelab.sds.authz.JwtBundleWatcher;
import org.spiffelab.sds.authz.JwtSvidCache;
import org.spiffelab.sds.authz.JwtSvidValidator;
import org.spiffelab.sds.config.AgentConfig;
import org.spiffelab.sds.config.AgentConfigLoader;
import org.spiffelab.sds.config.ConfigException;
import org.spiffelab.sds.sds.SdsService;
import org.spiffelab.sds.sds.SecretResolver;
import org.spiffelab.sds.sds.ValidationMode;
import org.spiffelab.sds.server.SdsServer;
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
            default -> {
                System.err.println("sds-agent: unknown command '" + command + "'; use run (default), dump or health");
                System.exit(2);
            }
        }
    }

    private static void run(AgentConfig config) throws Exception {
        WorkloadWatcher watcher = new WorkloadWatcher(() -> WorkloadApi.client(config.workloadApiSocket()), config.workloadApiSocket());
        SdsService sds = new SdsService(new SecretResolver(config.aliases()), config.disableSpiffeCertValidation(), watcher::current);
        List<io.grpc.BindableService> services = new ArrayList<>(List.of(sds));
        JwtBundleWatcher jwtBundles = null;
        switch (config.authzMode()) {
            case INJECT -> services.add(AuthzService.injecting(new JwtSvidCache(WorkloadApi.client(config.workloadApiSocket()),
                    config.jwtAudience(), java.time.Clock.systemUTC())));
            case VALIDATE -> {
                jwtBundles = new JwtBundleWatcher(() -> WorkloadApi.client(config.workloadApiSocket()));
                jwtBundles.start();
                services.add(AuthzService.validating(new JwtSvidValidator(jwtBundles::current, config.jwtAudience(),
                        config.jwtAllowedSubjects(), java.time.Clock.systemUTC()), new org.spiffelab.sds.authz.VerificationPool()));
            }
            case NONE -> { }
        }
        SdsServer server = new SdsServer(config.sdsSocket(), config.sdsSocketMode(), config.tcpAddress(), services);
        JwtBundleWatcher bundlesToClose = jwtBundles;
        watcher.addListener(sds);
        watcher.addListener(snapshot -> server.serving(true));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            watcher.close();
            if (bundlesToClose != null) {
                try {
                    bundlesToClose.close();
                } catch (Exception e) {
                    // shutting down anyway
                }
            }
            stopped.countDown();
        }, "shutdown"));
        watcher.start();
        if (!watcher.awaitFirst(config.svidTimeout())) {
            org.slf4j.LoggerFactory.getLogger(SdsAgentMain.class).warn(
                    "no SVID after {}s from {}: is this workload registered? Serving once one arrives.",
                    config.svidTimeout().toSeconds(), config.workloadApiSocket());
        }
        stopped.await();
    }

    /** Exit 0 when the agent on sds_socket reports SERVING (for container health checks). */
    private static void health(AgentConfig config) throws InterruptedException {
        io.grpc.netty.shaded.io.netty.channel.EventLoopGroup group = new io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup(1);
        io.grpc.ManagedChannel channel = org.spiffelab.sds.server.UnixChannels.open(config.sdsSocket(), group);
        int exit;
        try {
            var status = io.grpc.health.v1.HealthGrpc.newBlockingStub(channel).withDeadlineAfter(3, java.util.concurrent.TimeUnit.SECONDS)
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

    private static void dump(AgentConfig config) throws InterruptedException {
        try (WorkloadWatcher watcher = new WorkloadWatcher(() -> WorkloadApi.client(config.workloadApiSocket()),
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
