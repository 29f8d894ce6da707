package org.spiffelab.sds.server;

import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.grpc.netty.ProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.Executor;
import org.spiffelab.sds.secrets.SdsService;

/**
 * Tells each call which event loop its connection runs on: the negotiation handler adds the connection's loop to the
 * transport attributes, and {@link #interceptor()} hands it to the service in {@link SdsService#TRANSPORT_LOOP}. A
 * Workload API update is then written to each stream from its own loop — both loops at once, and one socket write per
 * connection for all its streams instead of one wake-up and one write per stream.
 */
final class TransportLoops {

    static final Attributes.Key<Executor> LOOP = Attributes.Key.create("org.spiffelab.sds.transport-loop");

    private TransportLoops() {
    }

    /** A handler that adds the channel's event loop to the negotiation event passing through, then leaves. */
    static ChannelHandler tagging() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
                if (event instanceof ProtocolNegotiationEvent negotiation) {
                    Attributes attributes = InternalProtocolNegotiationEvent.getAttributes(negotiation).toBuilder()
                            .set(LOOP, ctx.channel().eventLoop()).build();
                    ctx.fireUserEventTriggered(InternalProtocolNegotiationEvent.withAttributes(negotiation, attributes));
                    ctx.pipeline().remove(this);
                    return;
                }
                super.userEventTriggered(ctx, event);
            }
        };
    }

    /** Puts the call's transport loop (if tagged) in the context the service's handlers run in. */
    static ServerInterceptor interceptor() {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                Executor loop = call.getAttributes().get(LOOP);
                if (loop == null) {
                    return next.startCall(call, headers);
                }
                return Contexts.interceptCall(Context.current().withValue(SdsService.TRANSPORT_LOOP, loop), call, headers, next);
            }
        };
    }
}
