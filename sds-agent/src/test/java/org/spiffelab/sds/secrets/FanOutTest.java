package org.spiffelab.sds.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import io.spiffe.bundle.x509bundle.X509Bundle;
import io.spiffe.spiffeid.TrustDomain;
import io.spiffe.svid.x509svid.X509Svid;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.spiffelab.harness.pki.TestCa;
import org.spiffelab.sds.workload.WorkloadSnapshot;

/**
 * How an update fans out: each stream is written from its connection's event loop (here a hand-run queue standing in
 * for one), a chunk of streams per task so the loop's flush runs between chunks; a stream with no known loop is
 * written at once; every stream gets every version in order, and the secrets are encoded once per update.
 */
class FanOutTest {

    static final String ID = "spiffe://example.org/ns/demo/sa/customer-service";

    TestCa ca;
    WorkloadSnapshot first;
    WorkloadSnapshot current;
    SdsService service;

    @BeforeEach
    void start() throws Exception {
        ca = new TestCa("example.org");
        first = snapshot(1);
        current = first;
        service = new SdsService(new SecretResolver(Aliases.SPIRE_DEFAULTS), false, () -> current);
    }

    @Test
    void eachLoopWritesItsOwnStreamsAChunkPerTask() throws Exception {
        Loop a = new Loop();
        Loop b = new Loop();
        int perLoop = SdsService.CHUNK * 2 + 5;
        List<Envoy> onA = open(a, perLoop);
        List<Envoy> onB = open(b, perLoop);
        List<Envoy> unknown = open(null, 3);
        a.runAll(); // the initial answers, written by the stream's own thread (here: at once)
        b.runAll();
        List<Envoy> all = new ArrayList<>(onA);
        all.addAll(onB);
        all.addAll(unknown);
        assertThat(all).allSatisfy(envoy -> assertThat(envoy.versions).containsExactly("1"));

        current = snapshot(2);
        service.onSnapshot(current);
        assertThat(unknown).as("no loop known: written from the caller").allSatisfy(e -> assertThat(e.versions).containsExactly("1", "2"));
        assertThat(onA).as("nothing before the loop runs").allSatisfy(e -> assertThat(e.versions).containsExactly("1"));

        assertThat(a.runOne()).isTrue();
        assertThat(onA.stream().filter(e -> e.versions.size() == 2)).as("one chunk per task").hasSize(SdsService.CHUNK);
        assertThat(a.tasks).as("the rest queued behind this chunk's flush").hasSize(1);
        a.runAll();
        b.runAll();
        assertThat(all).allSatisfy(envoy -> assertThat(envoy.versions).containsExactly("1", "2"));
        assertThat(all).extracting(e -> e.last.getResources(0)).as("one encoding shared by all streams")
                .allSatisfy(any -> assertThat(any).isSameAs(onA.get(0).last.getResources(0)));
        assertThat(all).extracting(e -> e.last.getNonce()).doesNotHaveDuplicates();
    }

    @Test
    void updatesKeepTheirOrderPerStream() throws Exception {
        Loop loop = new Loop();
        List<Envoy> envoys = open(loop, SdsService.CHUNK + 1);
        loop.runAll();
        current = snapshot(2);
        service.onSnapshot(current);
        current = snapshot(3);
        service.onSnapshot(current);
        loop.runAll();
        assertThat(envoys).allSatisfy(envoy -> assertThat(envoy.versions).containsExactly("1", "2", "3"));
    }

    @Test
    void aLoopThatRefusesWorkIsWrittenFromTheCaller() throws Exception {
        Loop loop = new Loop();
        List<Envoy> envoys = open(loop, 3);
        loop.runAll();
        loop.refuse = true;
        current = snapshot(2);
        service.onSnapshot(current);
        assertThat(envoys).allSatisfy(envoy -> assertThat(envoy.versions).containsExactly("1", "2"));
    }

    private List<Envoy> open(Loop loop, int count) throws Exception {
        List<Envoy> envoys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Envoy envoy = new Envoy();
            Context context = loop == null ? Context.current() : Context.current().withValue(SdsService.TRANSPORT_LOOP, loop);
            StreamObserver<DiscoveryRequest> requests = context.call(() -> service.streamSecrets(envoy));
            requests.onNext(DiscoveryRequest.newBuilder().addResourceNames(ID)
                    .setTypeUrl("type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret").build());
            envoys.add(envoy);
        }
        return envoys;
    }

    private WorkloadSnapshot snapshot(long version) throws Exception {
        TestCa.Leaf leaf = ca.issue(ID);
        X509Svid svid = X509Svid.parseRaw(leaf.chain().get(0).getEncoded(), leaf.key().getEncoded());
        TrustDomain td = TrustDomain.parse("example.org");
        return new WorkloadSnapshot(version, List.of(svid), Map.of(td, new X509Bundle(td, Set.of(ca.certificate()))));
    }

    /** An event loop run by hand: tasks wait until the test runs them. */
    static final class Loop implements Executor {
        final Queue<Runnable> tasks = new ArrayDeque<>();
        boolean refuse;

        @Override
        public void execute(Runnable task) {
            if (refuse) {
                throw new java.util.concurrent.RejectedExecutionException("shutting down");
            }
            tasks.add(task);
        }

        boolean runOne() {
            Runnable task = tasks.poll();
            if (task != null) {
                task.run();
            }
            return task != null;
        }

        void runAll() {
            while (runOne()) {
                // the tasks may queue more
            }
        }
    }

    /** The responses one Envoy got. */
    static final class Envoy implements StreamObserver<DiscoveryResponse> {
        final List<String> versions = new ArrayList<>();
        DiscoveryResponse last;

        @Override
        public void onNext(DiscoveryResponse response) {
            versions.add(response.getVersionInfo());
            last = response;
        }

        @Override
        public void onError(Throwable t) {
            throw new AssertionError("stream failed", t);
        }

        @Override
        public void onCompleted() {
        }
    }
}
