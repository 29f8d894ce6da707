package org.spiffelab.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.spiffelab.harness.LabProperties;
import org.spiffelab.harness.StackSpec;

/**
 * The workshop in docs/ names only what exists, and its Docker-path commands are the ones the lab runs: every
 * {@code docker exec} line is one the demo prints, every scenario is a real one with its k8s overlay and proof.
 */
class DocsTest {

    static final LabProperties LAB = LabProperties.load();
    static final Pattern REPO_PATH = Pattern.compile(
            "(?<![\\w/.-])((?:docs|k8s|scripts|docker|customer-service|webapp|sds-agent|scenario-tests|lab-harness|lab-demo|workshop|benchmarks)/[\\w./-]*[\\w/])");
    static final Pattern SCENARIO_USE = Pattern.compile("(?:scripts/demo\\.sh(?:\\s+--k8s)?|scripts/prove\\.sh|k8s/scenarios/)\\s*([a-z][\\w-]*)");

    @Test
    void everyLabHasItsSectionsAndADiagram() throws IOException {
        List<Path> labs = docs().stream().filter(p -> p.getFileName().toString().matches("0\\d-.*\\.md")).toList();
        assertEquals(6, labs.size(), "labs 00 to 05");
        for (Path lab : labs) {
            String text = Files.readString(lab);
            for (String section : List.of("## Goal", "## Run it", "## Expected output", "## What just happened", "## Verify", "## Clean up")) {
                assertTrue(text.contains(section), lab.getFileName() + " lacks " + section);
            }
            if (!lab.getFileName().toString().startsWith("00")) {
                Matcher image = Pattern.compile("!\\[[^]]*]\\((images/[^)]+)\\)").matcher(text);
                assertTrue(image.find(), lab.getFileName() + " has no diagram");
                assertTrue(Files.exists(lab.getParent().resolve(image.group(1))), lab.getFileName() + ": missing " + image.group(1));
            }
        }
    }

    @Test
    void everyPathNamedInTheDocsExists() throws IOException {
        List<String> missing = new ArrayList<>();
        for (Path doc : docs()) {
            Matcher path = REPO_PATH.matcher(Files.readString(doc));
            while (path.find()) {
                String p = path.group(1);
                // build outputs (…/target/…) exist only after a build; k8s/scenarios/<name> is checked by the scenario test
                if (!p.startsWith("k8s/scenarios/") && !p.contains("/target") && !Files.exists(LAB.root().resolve(p)) && !Files.exists(doc.getParent().resolve(p))) {
                    missing.add(doc.getFileName() + ": " + p);
                }
            }
        }
        assertEquals(List.of(), missing);
    }

    @Test
    void everyScenarioNamedHasItsStackOverlayAndProof() throws IOException {
        Set<String> used = new HashSet<>();
        for (Path doc : docs()) {
            Matcher use = SCENARIO_USE.matcher(Files.readString(doc));
            while (use.find()) {
                used.add(use.group(1));
            }
        }
        List<String> scenarios = StackSpec.names(LAB);
        assertTrue(used.containsAll(scenarios), "the labs cover every scenario: " + used);
        for (String scenario : used) {
            assertTrue(scenarios.contains(scenario), "unknown scenario in docs: " + scenario);
        }
    }

    @Test
    void everyScenarioInLabPropertiesHasItsStackOverlayAndProof() {
        for (String scenario : StackSpec.names(LAB)) {
            assertEquals(scenario, StackSpec.byName(LAB, scenario).scenario());
            assertTrue(Files.exists(LAB.root().resolve("k8s/scenarios/" + scenario + "/kustomization.yaml")), "no k8s overlay " + scenario);
            String test = StackSpec.proofTestName(scenario);
            assertTrue(Files.exists(LAB.root().resolve("scenario-tests/src/test/java/org/spiffelab/scenario/" + test + ".java")),
                    "scenario " + scenario + " has no proof " + test + " (scripts/prove.sh runs it)");
        }
    }

    @Test
    void everyDockerCommandIsOneTheDemoPrintsOrALabSolutionRuns() throws IOException {
        Set<String> known = new HashSet<>();
        for (String scenario : StackSpec.names(LAB)) {
            known.addAll(Demo.commands(LAB, scenario));
        }
        known.addAll(solutionCommands());
        List<String> unknown = new ArrayList<>();
        int found = 0;
        for (Path doc : docs()) {
            for (String command : commands(Files.readString(doc))) {
                if (command.startsWith("docker exec ") || command.startsWith("docker run ")) {
                    found++;
                    if (!known.contains(command)) {
                        unknown.add(doc.getFileName() + ": " + command);
                    }
                }
            }
        }
        assertTrue(found >= 8, "the labs show the demo's commands and the attendee's steps");
        assertEquals(List.of(), unknown);
    }

    /**
     * The docker commands of workshop/labs/&#42;/solution.sh — what `scripts/lab.sh solve` runs and the workshop's IT
     * proves — as the docs spell them: variables expanded for the standard lab (prefix "lab"), quotes removed.
     */
    static Set<String> solutionCommands() throws IOException {
        Map<String, String> vars = new HashMap<>(LAB.all());
        vars.put("LAB_PREFIX", "lab");
        Set<String> commands = new HashSet<>();
        try (Stream<Path> labs = Files.list(LAB.file("workshop/labs"))) {
            for (Path lab : labs.sorted().toList()) {
                Path script = lab.resolve("solution.sh");
                if (!Files.exists(script)) {
                    continue;
                }
                for (String command : commands(Files.readString(script))) {
                    Matcher var = Pattern.compile("\\$\\{?([A-Z_][A-Z0-9_]*)}?").matcher(command);
                    StringBuilder expanded = new StringBuilder();
                    while (var.find()) {
                        var.appendReplacement(expanded, Matcher.quoteReplacement(vars.getOrDefault(var.group(1), var.group())));
                    }
                    var.appendTail(expanded);
                    commands.add(expanded.toString().replace("\"", ""));
                }
            }
        }
        return commands;
    }

    /** Each command line of a text, continuation lines joined and blanks collapsed. */
    static List<String> commands(String text) {
        List<String> commands = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : text.split("\n")) {
            String part = line.strip();
            if (part.endsWith("\\")) {
                current.append(part, 0, part.length() - 1).append(' ');
                continue;
            }
            current.append(part);
            commands.add(current.toString().replaceAll("\\s+", " ").strip());
            current.setLength(0);
        }
        return commands;
    }

    private static List<Path> docs() throws IOException {
        try (Stream<Path> files = Files.list(LAB.file("docs"))) {
            return files.filter(p -> p.toString().endsWith(".md")).sorted().toList();
        }
    }
}
