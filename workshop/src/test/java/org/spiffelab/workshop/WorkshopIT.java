package org.spiffelab.workshop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.spiffelab.harness.LabProperties;

/**
 * The workshop as attendees live it, on real SPIRE, Envoy and nginx: every lab started lacking what it teaches, the
 * attendee's steps applied from the solution, and {@code check} all ✓; every fault injected and named by
 * {@code doctor}, then repaired the way doctor says.
 */
class WorkshopIT {

    private static final LabProperties LAB = LabProperties.load();
    private static final Duration SETTLES_WITHIN = Duration.ofMinutes(3);

    @ParameterizedTest(name = "lab {0}")
    @EnumSource(Lab.class)
    void everyLabWalkedAsAnAttendee(Lab which) {
        Workshop workshop = workshop();
        try {
            workshop.start(which);
            List<Step> before = new LabChecks(workshop.live()).check(which);
            print(which, before);
            assertThat(before).as("the lab starts without what it teaches").anyMatch(step -> !step.done());

            workshop.solve(which);
            await(which.id() + ": check all ✓").atMost(SETTLES_WITHIN).pollInterval(Duration.ofSeconds(3))
                    .until(() -> new LabChecks(workshop.live()).check(which).stream().allMatch(Step::done));
            Output out = new Output();
            assertThat(new WorkshopCli(workshop, out.stream).run("check", which.id())).as(out.text()).isZero();
            assertThat(out.text()).contains("✓").doesNotContain("✗").contains(which.doc());
            System.out.println(out.text());
        } finally {
            workshop.stop();
        }
    }

    @Test
    void everyFaultIsNamedByDoctor() {
        Workshop workshop = workshop();
        try {
            workshop.start(Lab.RBAC);
            workshop.solve(Lab.RBAC);
            LiveStack live = workshop.live();
            await("lab 2 healthy").atMost(SETTLES_WITHIN).pollInterval(Duration.ofSeconds(3))
                    .until(() -> new Doctor(live).diagnose().healthy());
            Faults faults = new Faults(live, System.out::println);
            for (Fault fault : Fault.values()) {
                faults.inject(fault);
                await("doctor names " + fault.id()).atMost(SETTLES_WITHIN).pollInterval(Duration.ofSeconds(3))
                        .until(() -> new Doctor(live).diagnose().cause(), fault.id()::equals);
                Output out = new Output();
                assertThat(new WorkshopCli(workshop, out.stream).run("doctor")).isEqualTo(1);
                assertThat(out.text()).contains("cause: " + fault.id()).contains("fix: ");
                System.out.println(out.text());
                faults.repair(fault);
            }
        } finally {
            workshop.stop();
        }
    }

    private static Workshop workshop() {
        String prefix = "wsit-" + UUID.randomUUID().toString().substring(0, 6);
        Path work = LAB.root().resolve("workshop/target/it-work").resolve(prefix);
        return new Workshop(LAB, new LabInstance(prefix, work, false), new Docker(), line -> System.out.println("==> " + line));
    }

    private static void print(Lab which, List<Step> steps) {
        Output out = new Output();
        new WorkshopCli(null, out.stream).print(which, steps);
        System.out.println(out.text());
    }

    private static final class Output {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);

        String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }
}
