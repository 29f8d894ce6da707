package org.spiffelab.harness;

import java.util.List;
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
        String scenario = args.length > 0 ? args[0] : "rbac";
        StackSpec spec;
        try {
            spec = StackSpec.byName(lab, scenario);
        } catch (IllegalArgumentException e) {
            System.err.println("demo: " + e.getMessage());
            System.exit(2);
            return;
        }
        List<String> running = LabStack.containersOf(PREFIX);
        if (!running.isEmpty()) {
            System.err.println(alreadyRunning(running));
            System.exit(3);
            return;
        }
        LabStack stack = new LabStack(lab, LabImages.fromEnvironment(lab), spec, PREFIX, line -> System.out.println("==> " + line))
                .withLoopbackPorts(loopbackPorts(lab));
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

    /** What to say when a lab already runs under the demo's names: never remove another terminal's lab silently. */
    public static String alreadyRunning(List<String> containers) {
        return "A lab is already running on this machine (" + String.join(", ", containers) + ").\n"
                + "Stop it first: Ctrl-C in the terminal that runs scripts/demo.sh, or scripts/lab.sh stop.";
    }

    /** The fixed host ports of lab.properties, on 127.0.0.1: an instructor can say "open localhost:8080". */
    public static java.util.Map<String, Integer> loopbackPorts(LabProperties lab) {
        return java.util.Map.of("webapp", lab.port("DEMO_WEBAPP_PORT"), "webapp-2", lab.port("DEMO_WEBAPP_2_PORT"),
                "nginx", lab.port("DEMO_ENVOY_TLS_PORT"));
    }

    /** Container names are fixed so that the docs' commands work: lab-spire-server, lab-pod-probe, ... */
    static final String PREFIX = "lab";

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
                "docker exec " + PREFIX + "-pod-probe curl -s " + admin + "/certs",
                "docker exec " + PREFIX + "-pod-probe curl -s " + admin + "/ready",
                "docker exec " + PREFIX + "-pod-probe curl -s " + admin + "/stats?filter=rbac",
                "docker exec " + PREFIX + "-pod-probe curl -s " + admin + "/stats?filter=ext_authz",
                "docker exec " + PREFIX + "-spire-server /opt/spire/bin/spire-server entry show"));
        if (scenario.equals("sds-agent") || scenario.equals("jwt")) {
            commands.add("docker exec " + PREFIX + "-sds-agent java -jar /opt/sds-agent/sds-agent.jar dump --workload-api-socket=unix:"
                    + lab.get("SPIRE_AGENT_SOCKET"));
        }
        return commands;
    }
}
