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
    void everyLabWalkedAsAnAttendee(Lab which) throws Exception {
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
            screenshotPages(workshop, which);
            runTheDocsVerifySection(workshop, which);
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

    /**
     * The lab page's "Verify" commands, run on the finished lab (container names of this test's stack), each answering
     * with what the line right after its block says it shows (the `fragments` there).
     */
    private static void runTheDocsVerifySection(Workshop workshop, Lab which) throws Exception {
        String doc = java.nio.file.Files.readString(LAB.file(which.doc()));
        String verify = doc.substring(doc.indexOf("## Verify"), doc.indexOf("## Clean up"));
        java.util.regex.Matcher block = java.util.regex.Pattern.compile("```bash\n(.*?)```\n([^\n]*)", java.util.regex.Pattern.DOTALL)
                .matcher(verify);
        int ran = 0;
        while (block.find()) {
            for (String command : block.group(1).replace("\\\n", " ").split("\n")) {
                if (!command.startsWith("docker exec lab-")) {
                    continue;
                }
                List<String> args = new java.util.ArrayList<>(List.of(command.strip().split("\\s+")));
                args.remove(0);
                args.set(1, workshop.instance().prefix() + args.get(1).substring("lab".length()));
                Docker.Result result = new Docker().run(args.toArray(String[]::new));
                assertThat(result.exit()).as(command + ": " + result.message()).isZero();
                java.util.regex.Matcher expected = java.util.regex.Pattern.compile("`([^`]+)`").matcher(block.group(2));
                while (expected.find()) {
                    assertThat(result.out()).as(which.doc() + ": `" + command + "` shows " + expected.group(1)).contains(expected.group(1));
                }
                ran++;
            }
        }
        assertThat(ran).as(which.doc() + "'s Verify section has Docker commands").isPositive();
    }

    /** Both pages of the finished lab in Chromium, as the attendee sees them; screenshots under target/screenshots. */
    private static void screenshotPages(Workshop workshop, Lab which) throws Exception {
        Path shots = LAB.root().resolve("workshop/target/screenshots");
        try (PageBrowser browser = new PageBrowser(LAB.root().resolve("workshop/target/chromium-" + workshop.instance().prefix()))) {
            String webapp = browser.open(pageUrl(workshop, "webapp"));
            assertThat(webapp).contains("Ada Lovelace", "12840.55 EUR");
            browser.screenshot(shots.resolve(which.id() + "-webapp.png"));
            String webapp2 = browser.open(pageUrl(workshop, "webapp-2"));
            switch (which) {
                // What every build of the page says (the webapp image tag is shared by everyone building on this host);
                // PortalPageTest pins the page's own wording.
                case RBAC -> assertThat(webapp2).contains("Access denied by customer-service", "RBAC: access denied");
                case JWT -> assertThat(webapp2).contains(LAB.get("WEBAPP_2_ID") + " is not allowed");
                default -> assertThat(webapp2).contains("12840.55 EUR");
            }
            browser.screenshot(shots.resolve(which.id() + "-webapp-2.png"));
        }
    }

    /** The page's URL on this host: the lab publishes it on 127.0.0.1 (a free port in tests). */
    private static String pageUrl(Workshop workshop, String webapp) {
        String published = new Docker().runOrFail("port", workshop.instance().container(webapp), "8080/tcp").strip().split("\n")[0];
        return "http://" + published + "/";
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
