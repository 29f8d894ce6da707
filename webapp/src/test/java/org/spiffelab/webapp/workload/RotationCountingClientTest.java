package org.spiffelab.webapp.workload;

import static org.assertj.core.api.Assertions.assertThat;

import io.spiffe.bundle.x509bundle.X509BundleSet;
import io.spiffe.workloadapi.Watcher;
import io.spiffe.workloadapi.WorkloadApiClient;
import io.spiffe.workloadapi.X509Context;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.spiffelab.webapp.testing.TestPki;

class RotationCountingClientTest {

    @Test
    void countsEveryUpdateAndPassesItOn() throws Exception {
        TestPki pki = new TestPki("example.org");
        List<X509Context> pushed = List.of(
                X509Context.of(List.of(pki.issue("spiffe://example.org/ns/demo/sa/webapp")), X509BundleSet.of(List.of(pki.bundle()))),
                X509Context.of(List.of(pki.issue("spiffe://example.org/ns/demo/sa/webapp")), X509BundleSet.of(List.of(pki.bundle()))));
        // A Workload API that pushes two contexts on watch: the initial SVID and one rotation.
        WorkloadApiClient api = (WorkloadApiClient) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {WorkloadApiClient.class}, (proxy, method, args) -> {
                    if (method.getName().equals("watchX509Context")) {
                        @SuppressWarnings("unchecked")
                        Watcher<X509Context> watcher = (Watcher<X509Context>) args[0];
                        pushed.forEach(watcher::onUpdate);
                        return null;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        List<java.security.cert.X509Certificate> leaves = new ArrayList<>();
        RotationCountingClient client = new RotationCountingClient(api, leaves::add);
        List<X509Context> received = new ArrayList<>();
        client.watchX509Context(new Watcher<>() {
            @Override
            public void onUpdate(X509Context update) {
                received.add(update);
            }

            @Override
            public void onError(Throwable error) {
                throw new AssertionError(error);
            }
        });
        assertThat(received).containsExactlyElementsOf(pushed);
        assertThat(client.updates()).isEqualTo(2);
        assertThat(leaves).as("each update's SVID, for the page's timeline")
                .containsExactly(pushed.get(0).getDefaultSvid().getLeaf(), pushed.get(1).getDefaultSvid().getLeaf());
        assertThat(new WorkloadIdentity(null, client::updates).rotations()).isEqualTo(1);
    }
}
