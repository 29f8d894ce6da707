package org.spiffelab.sds.testing;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.secret.v3.SecretDiscoveryServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.spiffelab.sds.server.UnixChannels;

/** An SDS client over the agent's Unix socket, speaking as Envoy does. */
public final class SdsClient implements AutoCloseable {

    public static final String TYPE_URL = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";

    private final EventLoopGroup group = UnixChannels.eventLoops(1);
    private final ManagedChannel channel;

    public SdsClient(Path socket) {
        channel = UnixChannels.open(socket, group);
    }

    public SecretDiscoveryServiceGrpc.SecretDiscoveryServiceBlockingStub blocking() {
        return SecretDiscoveryServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    public ManagedChannel channel() {
        return channel;
    }

    public Stream stream() {
        return new Stream();
    }

    public static DiscoveryRequest.Builder request(Node node, String... names) {
        return DiscoveryRequest.newBuilder().setTypeUrl(TYPE_URL).setNode(node).addAllResourceNames(List.of(names));
    }

    public static List<Secret> secrets(DiscoveryResponse response) {
        List<Secret> secrets = new ArrayList<>();
        response.getResourcesList().forEach(any -> {
            try {
                secrets.add(any.unpack(Secret.class));
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new AssertionError(e);
            }
        });
        return secrets;
    }

    /** One StreamSecrets call: requests out, responses and the final status queued in. */
    public final class Stream implements AutoCloseable {
        private final BlockingQueue<DiscoveryResponse> responses = new LinkedBlockingQueue<>();
        private final BlockingQueue<Status> end = new LinkedBlockingQueue<>();
        private final StreamObserver<DiscoveryRequest> requests;

        private Stream() {
            requests = SecretDiscoveryServiceGrpc.newStub(channel).streamSecrets(new StreamObserver<>() {
                @Override
                public void onNext(DiscoveryResponse value) {
                    responses.add(value);
                }

                @Override
                public void onError(Throwable t) {
                    end.add(Status.fromThrowable(t));
                }

                @Override
                public void onCompleted() {
                    end.add(Status.OK);
                }
            });
        }

        public void send(DiscoveryRequest request) {
            requests.onNext(request);
        }

        /** The next response, failing after 10 s. */
        public DiscoveryResponse next() throws InterruptedException {
            DiscoveryResponse response = responses.poll(10, TimeUnit.SECONDS);
            if (response == null) {
                throw new AssertionError("no SDS response within 10s" + (end.isEmpty() ? "" : "; stream ended: " + end.peek()));
            }
            return response;
        }

        /** A response if one arrives within {@code millis}, else null: for asserting that nothing is sent. */
        public DiscoveryResponse poll(long millis) throws InterruptedException {
            return responses.poll(millis, TimeUnit.MILLISECONDS);
        }

        /** How the server ended the stream, failing after 10 s. */
        public Status status() throws InterruptedException {
            Status status = end.poll(10, TimeUnit.SECONDS);
            if (status == null) {
                throw new AssertionError("the stream did not end within 10s");
            }
            return status;
        }

        public boolean ended() {
            return !end.isEmpty();
        }

        /** An ACK of {@code response}: same names, its version and nonce. */
        public void ack(DiscoveryResponse response, Node node, String... names) {
            send(request(node, names).setVersionInfo(response.getVersionInfo()).setResponseNonce(response.getNonce()).build());
        }

        @Override
        public void close() {
            try {
                requests.onCompleted();
            } catch (RuntimeException e) {
                // already closed by the server
            }
        }
    }

    @Override
    public void close() {
        try {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
