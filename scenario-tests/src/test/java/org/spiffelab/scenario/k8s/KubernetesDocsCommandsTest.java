package org.spiffelab.scenario.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.spiffelab.harness.LabProperties;

/**
 * Every kubectl command the docs and the README give is one {@link KubernetesScenarioIT} runs
 * ({@link KubernetesCommands}), and every lab page gives the whole Kubernetes path: deploy, both pages, clean-up.
 */
class KubernetesDocsCommandsTest {

    static final LabProperties LAB = LabProperties.load();
    /** An inline command has arguments; `kubectl apply` alone in prose names the tool, not a step. */
    static final Pattern INLINE = Pattern.compile("`(kubectl \\S+ [^`]+)`");

    @Test
    void everyKubectlCommandInTheDocsIsOneTheItRuns() throws IOException {
        List<String> known = KubernetesCommands.all(LAB);
        List<String> unknown = new ArrayList<>();
        int seen = 0;
        for (Path doc : docs()) {
            for (String command : kubectlCommands(Files.readString(doc))) {
                seen++;
                if (!known.contains(command)) {
                    unknown.add(LAB.root().relativize(doc) + ": " + command);
                }
            }
        }
        assertThat(seen).isGreaterThan(10);
        assertThat(unknown).as("kubectl commands in the docs that KubernetesCommands (run by KubernetesScenarioIT) does not hold").isEmpty();
    }

    @Test
    void everyScenarioLabGivesTheWholeKubernetesPath() throws IOException {
        for (String[] lab : new String[][] {{"01-x509.md", "x509"}, {"02-rbac.md", "rbac"}, {"03-sds-agent.md", "sds-agent"}, {"04-jwt.md", "jwt"}}) {
            String page = Files.readString(LAB.file("docs/" + lab[0]));
            List<String> commands = kubectlCommands(page);
            assertThat(commands).as(lab[0]).containsAll(KubernetesCommands.apply(lab[1]))
                    .containsAll(KubernetesCommands.portForwards(LAB)).contains(KubernetesCommands.cleanUp(lab[1]));
            // Hands-on too: start, the attendee's apply, check, as KubernetesScenarioIT walks them.
            assertThat(commands).as(lab[0] + ": the attendee's apply").contains(KubernetesCommands.attendeeApply(lab[1]));
            assertThat(page).as(lab[0]).contains("scripts/lab.sh start " + lab[1] + " --k8s", "scripts/lab.sh check " + lab[1] + " --k8s",
                    "scripts/demo.sh --k8s " + lab[1]);
        }
    }

    @Test
    void theKubernetesDemoRunsTheDocsCommands() throws IOException {
        List<String> commands = new ArrayList<>();
        for (String line : Files.readAllLines(LAB.file("scripts/demo-k8s.sh"))) {
            if (line.startsWith("kubectl ")) {
                // Unquoted, redirects and '&' dropped, the script's variables replaced by the docs' values.
                commands.add(line.replaceAll("\\s*(>\\S+\\s*)?&?$", "").replace("\"", "").replace("$scenario", "<scenario>")
                        .replace("$K8S_WEBAPP_LOCAL_PORT", LAB.get("K8S_WEBAPP_LOCAL_PORT"))
                        .replace("$K8S_WEBAPP_2_LOCAL_PORT", LAB.get("K8S_WEBAPP_2_LOCAL_PORT")));
            }
        }
        List<String> expected = new ArrayList<>(KubernetesCommands.apply("<scenario>"));
        expected.addAll(KubernetesCommands.waitReady());
        expected.addAll(KubernetesCommands.portForwards(LAB));
        assertThat(commands).as("kubectl commands of scripts/demo-k8s.sh, in order").containsExactlyElementsOf(expected);
    }

    /** Lines of fenced blocks that start with kubectl, and inline `kubectl ...` spans. */
    static List<String> kubectlCommands(String markdown) {
        List<String> commands = new ArrayList<>();
        boolean fenced = false;
        for (String line : markdown.split("\n")) {
            if (line.strip().startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            if (fenced && line.strip().startsWith("kubectl ")) {
                commands.add(line.strip().replaceAll("\\s+#.*$", "").replaceAll("\\s*&$", ""));
            } else if (!fenced) {
                Matcher m = INLINE.matcher(line);
                while (m.find()) {
                    commands.add(m.group(1).strip());
                }
            }
        }
        return commands;
    }

    static List<Path> docs() throws IOException {
        try (Stream<Path> files = Files.list(LAB.file("docs"))) {
            return Stream.concat(files.filter(p -> p.toString().endsWith(".md")), Stream.of(LAB.file("README.md"))).sorted().toList();
        }
    }
}
