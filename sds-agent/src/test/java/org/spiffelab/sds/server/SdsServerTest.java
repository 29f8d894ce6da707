package org.spiffelab.sds.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The socket: who may call (peer credentials), and what happens when the path is taken or cannot be bound. */
class SdsServerTest {

    @TempDir
    Path dir;
    private final EventLoopGroup group = UnixChannels.eventLoops(1);

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @Test
    void callersAreCheckedByPeerCredentials() throws Exception {
        int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        Path allowedSocket = dir.resolve("allowed.sock");
        try (SdsServer server = server(allowedSocket, new CallerCheck(Set.of(uid), Set.of()))) {
            assertThat(health(server.socket())).isNull();
        }
        CallerCheck others = new CallerCheck(Set.of(uid + 4242), Set.of(4242));
        Path deniedSocket = dir.resolve("denied.sock");
        try (SdsServer server = server(deniedSocket, others)) {
            assertThat(health(server.socket())).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(others.refused()).isEqualTo(1);
        }
        assertThat(others.allows(7, new int[] {4242})).as("by gid").isTrue();
        assertThat(new CallerCheck(Set.of(), Set.of()).allows(12345, new int[0])).as("no lists: no check").isTrue();
    }

    @Test
    void aLiveSocketIsNeverTakenOverAndAStaleOneIsReplaced() throws Exception {
        Path socket = dir.resolve("agent.sock");
        try (SdsServer first = server(socket, new CallerCheck(Set.of(), Set.of()))) {
            assertThatThrownBy(() -> server(socket, new CallerCheck(Set.of(), Set.of())))
                    .isInstanceOf(IOException.class).hasMessage(socket + " is served by a running process (another sds-agent?): "
                            + "refusing to take it over");
            assertThat(health(first.socket())).as("the first server still answers").isNull();
        }
        Path stale = dir.resolve("stale.sock");
        ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(stale)).close();
        assertThat(stale).exists();
        try (SdsServer replaced = server(stale, new CallerCheck(Set.of(), Set.of()))) {
            assertThat(health(replaced.socket())).isNull();
        }
    }

    @Test
    void callsKnowTheirConnectionsEventLoop() throws Exception {
        java.util.concurrent.atomic.AtomicReference<Object> seen = new java.util.concurrent.atomic.AtomicReference<>();
        var recorder = new io.envoyproxy.envoy.service.secret.v3.SecretDiscoveryServiceGrpc.SecretDiscoveryServiceImplBase() {
            @Override
            public void fetchSecrets(io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest request,
                                     io.grpc.stub.StreamObserver<io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse> responses) {
                seen.set(org.spiffelab.sds.secrets.SdsService.TRANSPORT_LOOP.get());
                responses.onNext(io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse.getDefaultInstance());
                responses.onCompleted();
            }
        };
        Path socket = dir.resolve("loops.sock");
        try (SdsServer server = new SdsServer(socket, PosixFilePermissions.fromString("rw-rw----"), null, List.of(recorder),
                new CallerCheck(Set.of(), Set.of()))) {
            ManagedChannel channel = UnixChannels.open(server.socket(), group);
            try {
                io.envoyproxy.envoy.service.secret.v3.SecretDiscoveryServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(5, TimeUnit.SECONDS)
                        .fetchSecrets(io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest.getDefaultInstance());
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
        assertThat(seen.get()).as("the connection's event loop, where updates are written from")
                .isInstanceOf(io.grpc.netty.shaded.io.netty.channel.EventLoop.class);
    }

    @Test
    void aPathThatCannotBeBoundIsOneClearError() throws Exception {
        Path file = Files.writeString(dir.resolve("plain-file"), "x");
        assertThatThrownBy(() -> server(file, new CallerCheck(Set.of(), Set.of())))
                .hasMessage(file + " exists and is not a socket: refusing to replace it");
        Path impossible = Path.of("/proc/self/no-such-folder/sds.sock");
        assertThatThrownBy(() -> server(impossible, new CallerCheck(Set.of(), Set.of())))
                .isInstanceOf(IOException.class).hasMessageStartingWith("cannot create the socket folder /proc/self/no-such-folder");
    }

    private static SdsServer server(Path socket, CallerCheck callers) throws IOException {
        SdsServer server = new SdsServer(socket, PosixFilePermissions.fromString("rw-rw----"), null, List.of(), callers);
        server.serving(true);
        return server;
    }

    /** null when the health check answers SERVING, else the failure's code. */
    private Status.Code health(Path socket) throws InterruptedException {
        ManagedChannel channel = UnixChannels.open(socket, group);
        try {
            HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance());
            return null;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
