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
        LabStack stack = new LabStack(lab, LabImages.fromEnvironment(lab), StackSpec.rbac(lab), prefix,
                line -> System.out.println("==> " + line));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("\n==> stopping and removing the demo's containers");
            stack.close();
            stopped.countDown();
        }));
        WebappContainer webapp;
        WebappContainer webapp2;
        try {
            stack.removeLeftovers();
            stack.start();
            webapp = stack.startWebapp("webapp", java.util.Map.of());
            webapp2 = stack.startWebapp("webapp-2", java.util.Map.of());
        } catch (RuntimeException e) {
            System.err.println("\nThe demo could not start: " + e.getMessage());
            Diagnostics.dump(stack, java.nio.file.Path.of("target", "demo-diagnostics"));
            System.exit(1);
            return;
        }
        System.out.printf("""

                The lab is running (scenarios x509 + rbac). Open in a browser:

                  webapp    %1$s/   allowed by customer-service's RBAC policy: shows the customer's balance
                  webapp-2  %2$s/   valid SVID, not allowed: shows "RBAC: access denied"

                Then look behind the scenes, in another terminal:

                  # Envoy's certificate and trust bundle, delivered by the SPIRE agent over SDS:
                  docker exec %3$s-pod-probe curl -s http://127.0.0.1:%4$s/certs
                  # RBAC decisions so far:
                  docker exec %3$s-pod-probe curl -s http://127.0.0.1:%4$s/stats?filter=rbac
                  # the registration entries (docker label selectors):
                  docker exec %3$s-spire-server /opt/spire/bin/spire-server entry show

                Press Ctrl-C to stop and remove everything.
                """, webapp.url(), webapp2.url(), prefix, lab.get("ENVOY_ADMIN_PORT"));
        stopped.await();
    }
}
