package org.spiffelab.workshop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.spiffelab.harness.LabProperties;

/**
 * The workshop as attendees live it, on real SPIRE, Envoy and nginx: each lab's page typed in order — its Docker-path
 * commands themselves (DocBlocks), the edits its prose describes made as the solution makes them, every command's
 * documented output checked — from {@code start}, lacking what the lab teaches, to {@code check} all ✓ and the Verify
 * views; troubleshooting's example typed too, then every other fault injected and named by {@code doctor}, and
 * repaired the way doctor says.
 */
class WorkshopIT {

    private static final LabProperties LAB = LabProperties.load();
    private static final Duration SETTLES_WITHIN = Duration.ofMinutes(3);

    @ParameterizedTest(name = "lab {0}")
    @EnumSource(Lab.class)
    void everyLabWalkedAsAnAttendee(Lab which) throws Exception {
        Workshop workshop = workshop();
        DocWalk walk = new DocWalk(LAB, workshop, SETTLES_WITHIN);
        try {
            List<DocBlocks.Block> blocks = DocBlocks.walk(LAB, which.id());
            assertThat(blocks.get(0).commands()).as("the page starts the lab").containsExactly("scripts/lab.sh start " + which.id());
            walk.run(blocks.get(0));
            List<Step> before = new LabChecks(workshop.live()).check(which);
            assertThat(before).as("the lab starts without what it teaches").anyMatch(step -> !step.done());

            for (DocBlocks.Block block : blocks.subList(1, blocks.size())) {
                if (block.commands().contains("docker restart lab-envoy")) {
                    applyTheAttendeesEdit(workshop, which);
                }
                DocWalk.Ran ran = walk.run(block);
                if (block.doc().equals("docs/05-rotation.md")) {
                    // "Run this a few times, ten seconds apart — the serial changes": run it again until it has.
                    String first = servedSerial(ran.out());
                    await(block.where() + ": the serial changes").atMost(SETTLES_WITHIN).pollInterval(Duration.ofSeconds(5))
                            .until(() -> servedSerial(walk.run(block.commands().get(0)).out()), serial -> !serial.equals(first));
                }
            }
            assertThat(walk.ran()).as("the page has the attendee check their work").contains("scripts/lab.sh check " + which.id());
            screenshotPages(workshop, which);
        } finally {
            cleanUp(walk);
        }
    }

    @Test
    void everyFaultIsNamedByDoctor() {
        Workshop workshop = workshop();
        DocWalk walk = new DocWalk(LAB, workshop, SETTLES_WITHIN);
        try {
            // Troubleshooting's own example as typed: with no lab running, break starts lab 2 finished, then doctor.
            List<String> walked = new ArrayList<>();
            for (DocBlocks.Block block : DocBlocks.walk(LAB, "faults")) {
                walk.run(block);
                block.commands().stream().filter(c -> c.startsWith("scripts/lab.sh break "))
                        .forEach(c -> walked.add(c.substring("scripts/lab.sh break ".length())));
            }
            assertThat(walked).as("troubleshooting shows a fault broken and named").isNotEmpty();
            LiveStack live = workshop.live();
            Faults faults = new Faults(live, System.out::println);
            walked.forEach(id -> faults.repair(Fault.named(id)));
            for (Fault fault : Fault.values()) {
                if (walked.contains(fault.id())) {
                    continue;
                }
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
            cleanUp(walk);
        }
    }

    /**
     * The edit the page describes in prose before Envoy's restart, as the lab's solution makes it: its copy of the
     * finished config into work/envoy.yaml (the restart itself is the doc's own command).
     */
    private static void applyTheAttendeesEdit(Workshop workshop, Lab which) throws IOException {
        Matcher copy = Pattern.compile("cp \"\\$LAB_ROOT/([^\"]+)\" \"\\$LAB_WORK/envoy.yaml\"").matcher(Files.readString(LAB.file(which.solution())));
        assertThat(copy.find()).as(which.solution() + " edits work/envoy.yaml before Envoy's restart").isTrue();
        Files.copy(LAB.file(copy.group(1)), workshop.instance().envoyConfig(), StandardCopyOption.REPLACE_EXISTING);
    }

    /** The serial of the certificate Envoy serves, from its {@code /certs}. */
    private static String servedSerial(String certs) throws IOException {
        return new ObjectMapper().readTree(certs).path("certificates").path(0).path("cert_chain").path(0)
                .path("serial_number").asText();
    }

    /** Each page's "Clean up", as typed; the stack goes even when the walk failed half-way. */
    private static void cleanUp(DocWalk walk) {
        DocWalk.Ran stop = walk.run(DocBlocks.CLEAN_UP);
        assertThat(stop.exit()).as(stop.out()).isZero();
    }

    /** Both pages of the finished lab in Chromium, as the attendee sees them; screenshots under target/screenshots. */
    private static void screenshotPages(Workshop workshop, Lab which) throws Exception {
        Path shots = LAB.root().resolve("workshop/target/screenshots");
        try (PageBrowser browser = new PageBrowser(LAB.root().resolve("workshop/target/chromium-" + workshop.instance().prefix()))) {
            String webapp = browser.open(pageUrl(workshop, "webapp"));
            assertThat(webapp).contains("Ada Lovelace", "12840.55 EUR");
            assertThat(browser.proseBreakableInsideWords()).as("webapp's page: prose that may break inside a word").isEmpty();
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
            // Prose wraps at spaces only ("customer-s ervice" was a bug); a narrow window shows it wrapping most.
            assertThat(browser.proseBreakableInsideWords()).as("webapp-2's page: prose that may break inside a word").isEmpty();
            browser.screenshot(shots.resolve(which.id() + "-webapp-2-narrow.png"), 720);
        }
    }

    /** The page's URL on this host: the lab publishes it on 127.0.0.1 (a free port in tests). */
    private static String pageUrl(Workshop workshop, String webapp) {
        String published = new Docker().runOrFail("port", workshop.instance().container(webapp), "8080/tcp").strip().split("\n")[0];
        return "http://" + published + "/";
    }

    private static Workshop workshop() {
        String prefix = "wsit-" + UUID.randomUUID().toString().substring(0, 6);
        // …/<prefix>/work: the CLI shows the working copy as work/envoy.yaml, as the docs do.
        Path work = LAB.root().resolve("workshop/target/it-work").resolve(prefix).resolve("work");
        return new Workshop(LAB, new LabInstance(prefix, work, false), new Docker(), line -> System.out.println("==> " + line));
    }

    private static final class Output {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);

        String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }
}
