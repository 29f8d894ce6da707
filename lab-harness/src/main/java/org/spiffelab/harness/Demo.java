package org.spiffelab.harness;

import java.util.concurrent.CountDownLatch;

/**
 * The lab's demo: starts a scenario's stack with fixed container names, prints what to try, and runs until Ctrl-C,
 * removing everything it started on exit. {@code scripts/demo.sh} runs it.
 */
public final class Demo {

    private Demo() {
    }

    public static void main(String[] args) throws InterruptedException {
        LabProperties lab = LabProperties.load();
        String prefix = "lab";
        LabStack stack = new LabStack(lab, LabImages.fromEnvironment(lab), StackSpec.x509(lab), prefix,
                line -> System.out.println("==> " + line));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("\n==> stopping and removing the demo's containers");
            stack.close();
            stopped.countDown();
        }));
        try {
            stack.removeLeftovers();
            stack.start();
            ToolboxContainer webapp = stack.startWorkload("webapp");
            org.awaitility.Awaitility.await("webapp's X.509-SVID").atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> webapp.fetchX509Svid().getExitCode() == 0);
        } catch (RuntimeException e) {
            System.err.println("\nThe demo could not start: " + e.getMessage());
            Diagnostics.dump(stack, java.nio.file.Path.of("target", "demo-diagnostics"));
            System.exit(1);
        }
        String tls = lab.get("ENVOY_TLS_PORT");
        System.out.printf("""

                The x509 scenario is running. Try, in another terminal:

                  # the webapp workload fetched its X.509-SVID from the Workload API into tmpfs; call customer-service with it:
                  docker exec %1$s-workload-webapp curl -sS --cert /dev/shm/svid/svid.0.pem --key /dev/shm/svid/svid.0.key \\
                      --cacert /dev/shm/svid/bundle.0.pem https://customer-service:%2$s/api/customers/1001/balance

                  # without a client certificate the TLS handshake fails:
                  docker exec %1$s-workload-webapp curl -sS --cacert /dev/shm/svid/bundle.0.pem https://customer-service:%2$s/api/customers

                  # Envoy's certificates, delivered by the SPIRE agent over SDS (admin is on the pod's loopback):
                  docker exec %1$s-pod-probe curl -s http://127.0.0.1:%3$s/certs

                  # the registration entries:
                  docker exec %1$s-spire-server /opt/spire/bin/spire-server entry show

                Envoy's TLS listener is also published on the host: localhost:%4$d. Press Ctrl-C to stop and clean up.
                """, prefix, tls, lab.get("ENVOY_ADMIN_PORT"), stack.pod().publishedTlsPort());
        stopped.await();
    }
}
