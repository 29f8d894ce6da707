package org.spiffelab.demo;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.spiffelab.harness.Diagnostics;
import org.spiffelab.harness.LabImages;
import org.spiffelab.harness.LabProperties;
import org.spiffelab.harness.LabStack;
import org.spiffelab.harness.StackSpec;
import org.spiffelab.harness.StandardLab;
import org.spiffelab.harness.WebappContainer;

/**
 * The lab's demo: starts a scenario's stack with fixed container names, prints what to try, and runs until Ctrl-C,
 * removing everything it started on exit. {@code scripts/demo.sh} runs it; its container names and ports are the
 * {@link StandardLab}'s, so the docs' commands work.
 */
public final class Demo {

    private Demo() {
    }

    public static void main(String[] args) throws InterruptedException {
        LabProperties lab = LabProperties.load();
        String scenario = args.length > 0 ? args[0] : "rbac";
        StackSpec spec;
        try {
            spec = StackSpec.byName(lab, scenario);
        } catch (IllegalArgumentException e) {
            System.err.println("demo: " + e.getMessage());
            System.exit(2);
            return;
        }
        List<String> running = LabStack.containersOf(StandardLab.PREFIX);
        if (!running.isEmpty()) {
            System.err.println(StandardLab.alreadyRunning(running));
            System.exit(3);
            return;
        }
        LabStack stack = new LabStack(lab, LabImages.fromEnvironment(lab), spec, StandardLab.PREFIX, line -> System.out.println("==> " + line))
                .withLoopbackPorts(StandardLab.loopbackPorts(lab));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("\n==> stopping and removing the demo's containers");
            stack.close();
            stopped.countDown();
        }));
        WebappContainer webapp;
        WebappContainer webapp2;
        try {
            stack.start();
            webapp = stack.startWebapp("webapp", java.util.Map.of());
            webapp2 = stack.startWebapp("webapp-2", java.util.Map.of());
        } catch (RuntimeException e) {
            System.err.println("\nThe demo could not start: " + e.getMessage());
            Diagnostics.dump(stack, java.nio.file.Path.of("target", "demo-diagnostics"));
            System.exit(1);
            return;
        }
        System.out.println(instructions(lab, scenario, webapp.url(), webapp2.url()));
        stopped.await();
    }

    /** What to open and try; docs/ quotes these commands (DocsTest checks they are the same). */
    static String instructions(LabProperties lab, String scenario, String webappUrl, String webapp2Url) {
        String webapp2Expectation = switch (scenario) {
            case "rbac" -> "valid SVID, not allowed by the RBAC policy: shows \"RBAC: access denied\"";
            case "jwt" -> "valid JWT-SVID, subject not allowed: shows \"subject ... is not allowed\"";
            default -> "valid SVID, no policy in this scenario: shows the balance too";
        };
        return """

                The lab is running (scenario %1$s). Open in a browser:

                  webapp    %2$s/   shows the customer's balance
                  webapp-2  %3$s/   %4$s

                Then look behind the scenes, in another terminal:

                  %5$s

                Press Ctrl-C to stop and remove everything.
                """.formatted(scenario, webappUrl, webapp2Url, webapp2Expectation, String.join("\n  ", commands(lab, scenario)));
    }

    /** The commands to look behind the scenes, one per line; the labs in docs/ quote them (DocsTest). */
    static java.util.List<String> commands(LabProperties lab, String scenario) {
        String admin = "http://127.0.0.1:" + lab.get("ENVOY_ADMIN_PORT");
        java.util.List<String> commands = new java.util.ArrayList<>(java.util.List.of(
                "docker exec " + StandardLab.PREFIX + "-pod-probe curl -s " + admin + "/certs",
                "docker exec " + StandardLab.PREFIX + "-pod-probe curl -s " + admin + "/ready",
                "docker exec " + StandardLab.PREFIX + "-pod-probe curl -s " + admin + "/stats?filter=rbac",
                "docker exec " + StandardLab.PREFIX + "-pod-probe curl -s " + admin + "/stats?filter=ext_authz",
                "docker exec " + StandardLab.PREFIX + "-spire-server /opt/spire/bin/spire-server entry show"));
        if (scenario.equals("sds-agent") || scenario.equals("jwt")) {
            commands.add("docker exec " + StandardLab.PREFIX + "-sds-agent java -jar /opt/sds-agent/sds-agent.jar dump --workload-api-socket=unix:"
                    + lab.get("SPIRE_AGENT_SOCKET"));
        }
        return commands;
    }
}
