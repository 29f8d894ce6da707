package org.spiffelab.scenario.conformance;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.secret.v3.SecretDiscoveryServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** An SDS client for one server (through the relay): FetchSecrets, and StreamSecrets sessions that record what came back. */
final class SdsProbe implements AutoCloseable {

    static final long ANSWER_SECONDS = 30;

    private final String name;
    private final ManagedChannel channel;

    SdsProbe(String name, String host, int port) {
        this.name = name;
        this.channel = NettyChannelBuilder.forAddress(host, port).usePlaintext().maxInboundMessageSize(8 * 1024 * 1024).build();
    }

    String name() {
        return name;
    }

    Answer fetch(DiscoveryRequest request) {
        try {
            return Answer.of(SecretDiscoveryServiceGrpc.newBlockingStub(channel).withDeadlineAfter(ANSWER_SECONDS, TimeUnit.SECONDS)
                    .fetchSecrets(request));
        } catch (StatusRuntimeException e) {
            return Answer.of(e.getStatus());
        }
    }

    Session session() {
        return new Session();
    }

    /**
     * One StreamSecrets call. Every response or final status read is recorded as an {@link Answer}, so two servers'
     * sessions driven by the same script can be compared as a whole.
     */
    final class Session implements AutoCloseable {
        private final BlockingQueue<Object> incoming = new LinkedBlockingQueue<>();
        private final StreamObserver<DiscoveryRequest> requests;
        private final List<Answer> recorded = new ArrayList<>();

        private Session() {
            requests = SecretDiscoveryServiceGrpc.newStub(channel).streamSecrets(new StreamObserver<>() {
                @Override
                public void onNext(DiscoveryResponse value) {
                    incoming.add(value);
                }

                @Override
                public void onError(Throwable t) {
                    incoming.add(Status.fromThrowable(t));
                }

                @Override
                public void onCompleted() {
                    incoming.add(Status.OK);
                }
            });
        }

        void send(DiscoveryRequest request) {
            requests.onNext(request);
        }

        /** The next response (recorded); null when the stream ended instead (its status is recorded). */
        DiscoveryResponse next() throws InterruptedException {
            Object next = incoming.poll(ANSWER_SECONDS, TimeUnit.SECONDS);
            if (next == null) {
                throw new AssertionError(name + ": nothing within " + ANSWER_SECONDS + "s; recorded so far: " + recorded);
            }
            if (next instanceof Status status) {
                recorded.add(Answer.of(status));
                return null;
            }
            DiscoveryResponse response = (DiscoveryResponse) next;
            recorded.add(Answer.of(response));
            return response;
        }

        List<Answer> recorded() {
            return List.copyOf(recorded);
        }

        @Override
        public void close() {
            try {
                requests.onCompleted();
            } catch (RuntimeException e) {
                // already ended by the server
            }
        }
    }

    @Override
    public void close() {
        try {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
