package org.spiffelab.sds.server;

import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.PeerCredentials;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import java.io.IOException;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets a Unix-socket connection through only when the peer's credentials (SO_PEERCRED, from the kernel) show an
 * allowed uid or gid: the socket's file mode is the first fence, this is the second — a process that can open the
 * socket (root in another container sharing the volume, say) still gets no private key. Empty sets allow everyone.
 */
public final class CallerCheck implements InternalProtocolNegotiator.ProtocolNegotiator {

    private static final Logger LOG = LoggerFactory.getLogger(CallerCheck.class);
    private static final long LOG_EVERY_NANOS = 10_000_000_000L;

    private final Set<Integer> uids;
    private final Set<Integer> gids;
    private final InternalProtocolNegotiator.ProtocolNegotiator plaintext = InternalProtocolNegotiators.serverPlaintext();
    private final AtomicLong refused = new AtomicLong();
    private volatile long lastLogged;

    public CallerCheck(Set<Integer> uids, Set<Integer> gids) {
        this.uids = Set.copyOf(uids);
        this.gids = Set.copyOf(gids);
    }

    /** Whether a peer with this uid and these gids may call. */
    boolean allows(int uid, int[] peerGids) {
        if (uids.isEmpty() && gids.isEmpty()) {
            return true;
        }
        return uids.contains(uid) || Arrays.stream(peerGids).anyMatch(gids::contains);
    }

    /** Connections refused since start. */
    public long refused() {
        return refused.get();
    }

    @Override
    public AsciiString scheme() {
        return plaintext.scheme();
    }

    @Override
    public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void handlerAdded(ChannelHandlerContext ctx) {
                if (!(ctx.channel() instanceof EpollDomainSocketChannel unix)) {
                    serve(ctx, this, grpcHandler);
                    return;
                }
                PeerCredentials peer;
                try {
                    peer = unix.peerCredentials();
                } catch (IOException e) {
                    deny(ctx, "peer credentials unreadable: " + e.getMessage());
                    return;
                }
                if (allows(peer.uid(), peer.gids())) {
                    serve(ctx, this, grpcHandler);
                } else {
                    deny(ctx, "uid=" + peer.uid() + " gids=" + Arrays.toString(peer.gids()) + " pid=" + peer.pid());
                }
            }
        };
    }

    /** Plaintext HTTP/2 from here on, the connection's event loop named in the transport attributes. */
    private void serve(ChannelHandlerContext ctx, ChannelHandler self, GrpcHttp2ConnectionHandler grpcHandler) {
        ChannelHandler tagging = TransportLoops.tagging();
        ctx.pipeline().replace(self, null, tagging);
        ctx.pipeline().addAfter(ctx.pipeline().context(tagging).name(), null, plaintext.newHandler(grpcHandler));
    }

    private void deny(ChannelHandlerContext ctx, String who) {
        long count = refused.incrementAndGet();
        long now = System.nanoTime();
        if (now - lastLogged > LOG_EVERY_NANOS || count == 1) {
            lastLogged = now;
            LOG.warn("refused a caller on the SDS socket ({}); allowed uids {} gids {} ({} refused so far)", who, uids, gids, count);
        }
        ctx.close();
    }

    @Override
    public void close() {
        plaintext.close();
    }
}
