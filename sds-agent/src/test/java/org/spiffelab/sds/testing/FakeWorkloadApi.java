package org.spiffelab.sds.testing;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import io.spiffe.workloadapi.grpc.SpiffeWorkloadAPIGrpc;
import io.spiffe.workloadapi.grpc.Workload.X509SVIDRequest;
import io.spiffe.workloadapi.grpc.Workload.X509SVIDResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.spiffelab.sds.server.UnixChannels;

/**
 * An in-JVM SPIFFE Workload API on a Unix socket: the X.509 stream only, fed by the test ({@link #publish}), with
 * the {@code workload.spiffe.io: true} header required as SPIRE requires it. {@link #dropStreams()} simulates an outage.
 */
public final class FakeWorkloadApi implements AutoCloseable {

    private static final Metadata.Key<String> SECURITY_HEADER = Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER);

    private final Path socket;
    private final EventLoopGroup group = UnixChannels.eventLoops(1);
    private final Server server;
    private final List<StreamObserver<X509SVIDResponse>> streams = new CopyOnWriteArrayList<>();
    private final AtomicInteger subscriptions = new AtomicInteger();
    private volatile X509SVIDResponse latest;
    private volatile java.util.function.Function<String, String> jwtIssuer = audience -> null;
    private volatile io.spiffe.workloadapi.grpc.Workload.JWTBundlesResponse jwtBundles;
    private final AtomicInteger jwtFetches = new AtomicInteger();

    public FakeWorkloadApi(Path socket) throws IOException {
        this.socket = socket;
        ServerInterceptor requireHeader = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                if (!"true".equals(headers.get(SECURITY_HEADER))) {
                    call.close(Status.INVALID_ARGUMENT.withDescription("security header missing from request"), new Metadata());
                    return new ServerCall.Listener<>() {
                    };
                }
                return next.startCall(call, headers);
            }
        };
        SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIImplBase api = new SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIImplBase() {
            @Override
            public void fetchX509SVID(X509SVIDRequest request, StreamObserver<X509SVIDResponse> observer) {
                subscriptions.incrementAndGet();
                streams.add(observer);
                X509SVIDResponse current = latest;
                if (current != null) {
                    synchronized (observer) {
                        observer.onNext(current);
                    }
                }
            }

            @Override
            public void fetchJWTSVID(io.spiffe.workloadapi.grpc.Workload.JWTSVIDRequest request,
                                     StreamObserver<io.spiffe.workloadapi.grpc.Workload.JWTSVIDResponse> observer) {
                jwtFetches.incrementAndGet();
                String token = jwtIssuer.apply(request.getAudience(0));
                if (token == null) {
                    observer.onError(Status.PERMISSION_DENIED.withDescription("no identity issued").asRuntimeException());
                    return;
                }
                observer.onNext(io.spiffe.workloadapi.grpc.Workload.JWTSVIDResponse.newBuilder()
                        .addSvids(io.spiffe.workloadapi.grpc.Workload.JWTSVID.newBuilder().setSvid(token)
                                .setSpiffeId(subjectOf(token))).build());
                observer.onCompleted();
            }

            @Override
            public void fetchJWTBundles(io.spiffe.workloadapi.grpc.Workload.JWTBundlesRequest request,
                                        StreamObserver<io.spiffe.workloadapi.grpc.Workload.JWTBundlesResponse> observer) {
                if (jwtBundles != null) {
                    observer.onNext(jwtBundles);
                }
                // stays open, like SPIRE's stream
            }
        };
        server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class).bossEventLoopGroup(group).workerEventLoopGroup(group)
                .addService(ServerInterceptors.intercept(api, requireHeader)).build().start();
    }

    public String address() {
        return "unix:" + socket;
    }

    /** Sends an update to every open stream (and to later subscribers). */
    public void publish(X509SVIDResponse response) {
        latest = response;
        for (StreamObserver<X509SVIDResponse> stream : streams) {
            synchronized (stream) {
                try {
                    stream.onNext(response);
                } catch (RuntimeException e) {
                    streams.remove(stream);
                }
            }
        }
    }

    /** Ends every open stream with UNAVAILABLE, as an agent restart would. */
    public void dropStreams() {
        for (StreamObserver<X509SVIDResponse> stream : streams) {
            streams.remove(stream);
            synchronized (stream) {
                stream.onError(Status.UNAVAILABLE.withDescription("agent restarting").asRuntimeException());
            }
        }
    }

    /** Answers FetchJWTSVID: audience → compact token (null: no identity). */
    public void issueJwtSvids(java.util.function.Function<String, String> issuer) {
        this.jwtIssuer = issuer;
    }

    /** The JWT bundles to stream: trust domain → JWKS JSON. */
    public void jwtBundles(java.util.Map<String, String> jwks) {
        var response = io.spiffe.workloadapi.grpc.Workload.JWTBundlesResponse.newBuilder();
        jwks.forEach((td, json) -> response.putBundles(td, com.google.protobuf.ByteString.copyFromUtf8(json)));
        this.jwtBundles = response.build();
    }

    public int jwtFetches() {
        return jwtFetches.get();
    }

    private static String subjectOf(String token) {
        try {
            return com.nimbusds.jwt.JWTParser.parse(token).getJWTClaimsSet().getSubject();
        } catch (java.text.ParseException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public int subscriptions() {
        return subscriptions.get();
    }

    @Override
    public void close() {
        try {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
