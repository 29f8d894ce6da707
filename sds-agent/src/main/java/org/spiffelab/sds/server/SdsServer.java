package org.spiffelab.sds.server;

import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spiffelab.sds.secrets.SdsService;

/**
 * gRPC on a Unix socket (and optionally TCP for development): SDS, ext_authz, grpc.health.v1; a graceful stop.
 *
 * <p>Calls run on the transport's event-loop threads ({@code directExecutor}): no handler here blocks — SDS answers from
 * the snapshot in memory, ext_authz answers a verified token from memory and hands signature checks to its own pool,
 * health and status read counters — so a hand-off to grpc's default cached pool per call would only add two thread
 * switches to every Check.
 */
public final class SdsServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SdsServer.class);
    /**
     * Largest request accepted (grpc answers RESOURCE_EXHAUSTED above it). Envoy's requests carry its node (with the
     * extension list) and a few names: tens of KiB. SPIRE allows 4 MiB.
     */
    static final int MAX_MESSAGE = 256 * 1024;
    private static final String SDS_SERVICE = "envoy.service.secret.v3.SecretDiscoveryService";

    private final Path socket;
    private final HealthStatusManager health = new HealthStatusManager();
    private final EventLoopGroup boss = UnixChannels.eventLoops(1);
    private final EventLoopGroup workers = UnixChannels.eventLoops(2);
    private final List<Server> servers = new ArrayList<>();

    public SdsServer(Path socket, Set<PosixFilePermission> mode, String tcpAddress, SdsService sds) throws IOException {
        this(socket, mode, tcpAddress, List.of(sds));
    }

    /** @param services SDS, and ext_authz when configured: all on the same socket */
    public SdsServer(Path socket, Set<PosixFilePermission> mode, String tcpAddress, List<io.grpc.BindableService> services)
            throws IOException {
        this(socket, mode, tcpAddress, services, new CallerCheck(Set.of(), Set.of()));
    }

    /**
     * @param services SDS, and ext_authz when configured: all on the same socket
     * @param callers  who may connect to the Unix socket, by peer credentials
     * @throws IOException with one line saying why the socket cannot be served (in use, folder not writable, ...)
     */
    public SdsServer(Path socket, Set<PosixFilePermission> mode, String tcpAddress, List<io.grpc.BindableService> services,
                     CallerCheck callers) throws IOException {
        this.socket = socket;
        SocketPath.prepare(socket);
        health.setStatus("", ServingStatus.NOT_SERVING);
        health.setStatus(SDS_SERVICE, ServingStatus.NOT_SERVING);
        NettyServerBuilder unix = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()),
                        io.grpc.netty.shaded.io.grpc.netty.InternalNettyServerCredentials.create(callers))
                .channelType(EpollServerDomainSocketChannel.class).bossEventLoopGroup(boss).workerEventLoopGroup(workers)
                .directExecutor().maxInboundMessageSize(MAX_MESSAGE).addService(health.getHealthService())
                .intercept(TransportLoops.interceptor());
        services.forEach(unix::addService);
        try {
            servers.add(unix.build().start());
        } catch (IOException e) {
            shutdownGroups();
            throw new IOException("cannot serve on " + socket + ": " + rootMessage(e), e);
        }
        // The socket is created with the process umask; narrow it at once to the configured mode.
        Files.setPosixFilePermissions(socket, mode);
        LOG.info("SDS on unix:{} (mode {})", socket, java.nio.file.attribute.PosixFilePermissions.toString(mode));
        if (tcpAddress != null) {
            int colon = tcpAddress.lastIndexOf(':');
            NettyServerBuilder tcp = NettyServerBuilder.forAddress(new InetSocketAddress(tcpAddress.substring(0, colon),
                            Integer.parseInt(tcpAddress.substring(colon + 1))))
                    .directExecutor().maxInboundMessageSize(MAX_MESSAGE).addService(health.getHealthService());
            services.forEach(tcp::addService);
            try {
                servers.add(tcp.build().start());
            } catch (IOException e) {
                close();
                throw new IOException("cannot serve on tcp:" + tcpAddress + ": " + rootMessage(e), e);
            }
            LOG.warn("SDS also on tcp:{} (development only: anyone who reaches it gets this workload's keys)", tcpAddress);
        }
    }

    /** The Unix socket it serves on. */
    public Path socket() {
        return socket;
    }

    public void serving(boolean serving) {
        ServingStatus status = serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
        health.setStatus("", status);
        health.setStatus(SDS_SERVICE, status);
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }

    private void shutdownGroups() {
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        health.enterTerminalState();
        for (Server server : servers) {
            server.shutdown();
        }
        for (Server server : servers) {
            try {
                // SDS streams never end by themselves and Envoy reconnects anyway: a short grace, then cut them
                if (!server.awaitTermination(1, TimeUnit.SECONDS)) {
                    server.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                server.shutdownNow();
            }
        }
        shutdownGroups();
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.warn("could not remove {}: {}", socket, e.toString());
        }
    }
}
