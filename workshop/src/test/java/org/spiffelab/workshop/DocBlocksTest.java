package org.spiffelab.workshop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.spiffelab.harness.LabProperties;

/**
 * The docs cannot drift from what runs: every Docker-path command in docs/ and README.md is one that WorkshopIT's walks
 * type against a live stack (with its shown output checked), or is skipped with a reason; Kubernetes blocks are
 * scenario-tests'.
 */
class DocBlocksTest {

    private static final LabProperties LAB = LabProperties.load();

    @Test
    void everyDockerPathCommandIsWalkedOrSkippedWithAReason() {
        Set<String> walked = walkedCommands();
        List<String> unaccounted = new ArrayList<>();
        for (String doc : DocBlocks.docs(LAB)) {
            for (DocBlocks.Block block : DocBlocks.read(LAB, doc)) {
                if (block.kubernetes()) {
                    continue;
                }
                for (String command : block.commands()) {
                    if (DocBlocks.skipReason(command) == null && !walked.contains(command)) {
                        unaccounted.add(block.where() + ": " + command);
                    }
                }
            }
        }
        assertThat(unaccounted).as("Docker-path commands no WorkshopIT walk runs: add the page to DocBlocks.WALKS, or a reason to SKIPPED")
                .isEmpty();
    }

    @Test
    void everySkipStillMatchesACommandInTheDocs() {
        List<String> commands = DocBlocks.docs(LAB).stream().flatMap(doc -> DocBlocks.read(LAB, doc).stream())
                .filter(block -> !block.kubernetes()).flatMap(block -> block.commands().stream()).toList();
        for (String skipped : DocBlocks.SKIPPED.keySet()) {
            assertThat(commands).as("a stale skip: " + skipped).anyMatch(command -> command.startsWith(skipped));
        }
    }

    @Test
    void everyLabWalkStartsItsLabAndChecksItWithTheOutputShown() {
        for (Lab lab : Lab.values()) {
            List<DocBlocks.Block> walk = DocBlocks.walk(LAB, lab.id());
            assertThat(walk.get(0).commands()).as(lab.doc()).containsExactly("scripts/lab.sh start " + lab.id());
            DocBlocks.Block check = walk.stream().filter(b -> b.commands().contains("scripts/lab.sh check " + lab.id())).findFirst()
                    .orElseThrow(() -> new AssertionError(lab.doc() + " has the attendee check their work"));
            // All steps done (N of N): WorkshopIT holds the number to the live check's.
            assertThat(check.expected()).as(check.where()).anyMatch(line -> line.matches("(\\d+) of \\1 steps done\\. Well done!"));
            assertThat(walk).as(lab.doc() + ": its Verify section has a command with its output shown")
                    .anyMatch(b -> b.section().equals("Verify") && !b.expected().isEmpty());
        }
    }

    /** What a walk can type: the lab's CLI, or docker with the containers named as the standard lab names them. */
    @Test
    void theWalksTypeOnlyCommandsTheyCanMapToATestStack() {
        for (String walk : DocBlocks.WALKS.keySet()) {
            for (DocBlocks.Block block : DocBlocks.walk(LAB, walk)) {
                assertThat(block.commands()).as(block.where()).allMatch(c -> c.startsWith("scripts/lab.sh ") || c.startsWith("docker "));
            }
        }
    }

    @Test
    void blocksAreReadAsBashReadsThemWithTheOutputBlockRightAfter() {
        List<DocBlocks.Block> blocks = DocBlocks.parse("x.md", """
                ## Run it
                ```bash
                docker run -d --name lab-a \\
                  --label 'k=#v' img   # why
                scripts/lab.sh break x && scripts/lab.sh doctor
                ```
                ```text
                …
                  cause: x
                ```
                ```bash
                kubectl get pods
                ```
                Prose, not output.
                """);
        assertThat(blocks).hasSize(2);
        assertThat(blocks.get(0).commands()).containsExactly("docker run -d --name lab-a --label 'k=#v' img", "scripts/lab.sh break x",
                "scripts/lab.sh doctor");
        assertThat(blocks.get(0).expected()).containsExactly("…", "  cause: x");
        assertThat(blocks.get(0).section()).isEqualTo("Run it");
        assertThat(blocks.get(1).kubernetes()).isTrue();
        assertThat(blocks.get(1).expected()).isEmpty();
    }

    @Test
    void outputMatchesItsAbridgedLinesInOrder() {
        String out = """
                Entry ID         : 1f2e
                SPIFFE ID        : spiffe://example.org/ns/demo/sa/customer-service
                Selector         : docker:label:a:b
                """;
        assertThat(DocBlocks.missing(List.of("Entry ID : …", "…", "SPIFFE ID   : spiffe://example.org/ns/demo/sa/customer-service",
                "Selector : docker:label:a:b"), out)).isEmpty();
        assertThat(DocBlocks.missing(List.of("Selector : docker:label:a:b", "Entry ID : …"), out)).containsExactly("Entry ID : …");
        assertThat(DocBlocks.missing(List.of("SPIFFE ID : spiffe://example.org/ns/demo/sa/webapp"), out)).hasSize(1);
    }

    /** A walk runs a reading command again until it shows the doc's output; anything else, once. */
    @Test
    void onlyReadingCommandsAreRunAgain() {
        assertThat(List.of("scripts/lab.sh check x509", "scripts/lab.sh doctor", "docker exec lab-pod-probe curl -s http://127.0.0.1:9901/ready",
                "docker exec lab-spire-server /opt/spire/bin/spire-server entry show")).allMatch(DocBlocks::reads);
        assertThat(List.of("scripts/lab.sh start x509", "scripts/lab.sh break rbac-typo", "docker restart lab-envoy", "docker run -d --name lab-x img",
                "docker exec lab-spire-server /opt/spire/bin/spire-server entry create -parentID p")).noneMatch(DocBlocks::reads);
    }

    private static Set<String> walkedCommands() {
        Set<String> walked = new HashSet<>();
        for (String walk : DocBlocks.WALKS.keySet()) {
            DocBlocks.walk(LAB, walk).forEach(block -> walked.addAll(block.commands()));
        }
        walked.add(DocBlocks.CLEAN_UP);
        return walked;
    }
}
