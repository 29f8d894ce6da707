package org.spiffelab.workshop;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.spiffelab.harness.LabProperties;

/** {@code scripts/lab.sh start|check|solve|break|doctor|stop}: the attendee's one entry point. */
public final class WorkshopCli {

    static final String USAGE = """
            usage: scripts/lab.sh <command> [lab|fault]

              start <lab>     start the lab's stack, lacking exactly what the lab teaches
              check <lab>     read the live stack: each step ✓, or what is wrong and how to fix it
              solve <lab>     apply the lab's solution (workshop/labs/<lab>/solution.sh) if you fell behind
              break <fault>   inject a fault into the finished lab 2 stack (started for you if none runs)
              doctor          diagnose the live stack and name the cause
              stop            stop and remove the lab's containers, network and volumes

            labs:   %s (or their numbers 1-4; docs/ has one page each)
            faults: %s
            """.formatted(String.join(", ", Lab.names()), String.join(", ", Fault.names()));

    private final Workshop workshop;
    private final PrintStream out;

    WorkshopCli(Workshop workshop, PrintStream out) {
        this.workshop = workshop;
        this.out = out;
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        if (args.length == 0 || List.of("-h", "--help", "help").contains(args[0])) {
            out.print(USAGE);
            System.exit(args.length == 0 ? 2 : 0);
        }
        LabProperties lab = LabProperties.load();
        Workshop workshop = new Workshop(lab, LabInstance.standard(lab.root()), new Docker(), line -> out.println("==> " + line));
        int exit;
        try {
            exit = new WorkshopCli(workshop, out).run(args);
        } catch (WorkshopException | IllegalArgumentException e) {
            err.println("lab: " + e.getMessage());
            exit = 2;
        }
        System.exit(exit);
    }

    int run(String... args) {
        String command = args[0];
        String argument = args.length > 1 ? args[1] : null;
        switch (command) {
            case "start" -> {
                Lab which = Lab.named(required(argument, "start <lab>"));
                out.println(which.heading() + ": starting its stack");
                workshop.start(which);
                out.println("\nThe lab is running. Follow " + which.doc() + "; your Envoy config is " + workshop.instance().shown(
                        workshop.instance().envoyConfig()) + ".\nWhen done: scripts/lab.sh check " + which.id());
                print(which, new LabChecks(workshop.live()).check(which));
                return 0;
            }
            case "check" -> {
                Lab which = argument == null ? current() : Lab.named(argument);
                return print(which, new LabChecks(workshop.live()).check(which)) ? 0 : 1;
            }
            case "solve" -> {
                Lab which = argument == null ? current() : Lab.named(argument);
                workshop.solve(which);
                out.println("Solution applied. scripts/lab.sh check " + which.id() + " shows the steps turning ✓ (Envoy may take a few seconds).");
                return 0;
            }
            case "break" -> {
                Fault fault = Fault.named(required(argument, "break <fault>"));
                ensureFinishedRbacLab();
                new Faults(workshop.live(), line -> out.println("==> " + line)).inject(fault);
                out.println("\nBroken: " + fault.description() + ".\nFind out what is wrong the way you would at work; scripts/lab.sh doctor names it.");
                return 0;
            }
            case "doctor" -> {
                Diagnosis diagnosis = new Doctor(workshop.live()).diagnose();
                print(diagnosis);
                return diagnosis.healthy() ? 0 : 1;
            }
            case "stop" -> {
                workshop.stop();
                out.println("The lab is stopped and removed.");
                return 0;
            }
            default -> throw new IllegalArgumentException("unknown command '" + command + "'\n" + USAGE);
        }
    }

    /** The faults are injected into lab 2's finished stack: started and solved here when no lab runs. */
    private void ensureFinishedRbacLab() {
        Lab current = workshop.current();
        if (current == null) {
            out.println("No lab runs: starting lab 2 (rbac) with its solution applied, then breaking it.");
            workshop.start(Lab.RBAC);
            workshop.solve(Lab.RBAC);
        } else if (current != Lab.RBAC) {
            throw new WorkshopException("the faults are made for lab 2's (rbac) stack, and lab " + current.id()
                    + " runs: scripts/lab.sh stop first");
        }
        org.awaitility.Awaitility.await("lab 2's stack is healthy").atMost(java.time.Duration.ofMinutes(3))
                .pollInterval(java.time.Duration.ofSeconds(2)).ignoreExceptions()
                .until(() -> new Doctor(workshop.live()).diagnose().healthy());
    }

    private Lab current() {
        Lab current = workshop.current();
        if (current == null) {
            throw new WorkshopException("no lab runs; scripts/lab.sh start <lab> (" + String.join(", ", Lab.names()) + ")");
        }
        return current;
    }

    boolean print(Lab which, List<Step> steps) {
        out.println("\n" + which.heading() + " — " + which.doc());
        long done = 0;
        for (Step step : steps) {
            if (step.done()) {
                done++;
                out.println("  ✓ " + step.title());
            } else {
                out.println("  ✗ " + step.title());
                out.println("      " + step.problem());
                out.println("      fix: " + step.fix());
            }
        }
        out.println("\n" + done + " of " + steps.size() + " steps done" + (done == steps.size() ? ". Well done!" : "."));
        return done == steps.size();
    }

    void print(Diagnosis diagnosis) {
        out.println("doctor: what the live lab shows");
        diagnosis.evidence().forEach(line -> out.println("  - " + line));
        out.println("\n" + (diagnosis.healthy() ? "✓ " : "✗ ") + diagnosis.summary());
        out.println("  cause: " + diagnosis.cause());
        if (!diagnosis.healthy()) {
            out.println("  fix: " + diagnosis.fix());
        }
    }

    private static String required(String argument, String usage) {
        if (argument == null) {
            throw new IllegalArgumentException("usage: scripts/lab.sh " + usage);
        }
        return argument;
    }
}
