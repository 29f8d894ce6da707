package org.spiffelab.workshop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.spiffelab.harness.LabProperties;

/**
 * The {@code ```bash} blocks of docs/ and README.md, as the tests read them. The docs' one convention: what a command
 * prints is the {@code ```text} block right after its block (abridged with {@code …}); it is the last command's output.
 * A command is Kubernetes (its block uses kubectl, kind, the lab's cluster or {@code --k8s}: KubernetesDocsCommandsTest
 * runs those), {@link #SKIPPED} with a reason, or Docker-path: then WorkshopIT runs it against its live stack — the
 * walks in {@link #WALKS}, checked complete by DocBlocksTest.
 */
final class DocBlocks {

    /** One command block, continuation lines joined, comments dropped, {@code a && b} as two commands. */
    record Block(String doc, String section, int line, List<String> commands, List<String> expected) {

        boolean kubernetes() {
            return commands.stream().anyMatch(c -> KUBERNETES.matcher(c).find());
        }

        String where() {
            return doc + ":" + line + " (" + section + ")";
        }
    }

    private static final Pattern KUBERNETES = Pattern.compile("^(kubectl|curl|kind)\\b|scripts/cluster\\.sh|--k8s\\b");

    /**
     * Docker-path commands no walk runs on a live lab stack, by how they start, and where each does run. Whole programs:
     * each is a stack, a build or a measurement of its own.
     */
    static final Map<String, String> SKIPPED = skipped();

    private static Map<String, String> skipped() {
        Map<String, String> skipped = new LinkedHashMap<>();
        skipped.put("scripts/toolchain.sh", "installs the toolchain: .ci/run runs it first, scripts/lab.sh start before every start");
        skipped.put("mvn verify", "the whole build: what .ci/run runs");
        skipped.put("scripts/prove.sh", "runs <Scenario>ScenarioIT, which mvn verify runs (lab-demo's DocsTest checks each exists)");
        skipped.put("scripts/demo.sh", "a finished scenario until Ctrl-C: the stack of StackSpec that <Scenario>ScenarioIT proves; "
                + "lab-demo's DocsTest checks the commands it prints are the docs'");
        skipped.put("scripts/benchmark-", "measurements of minutes, not a pass/fail check; their drivers compile in mvn verify");
        skipped.put("scripts/lab.sh solve", "catching up instead of typing the steps, which the walks type; the same solution.sh runs "
                + "when `break` starts lab 2 (everyFaultIsNamedByDoctor), and DocsTest checks its docker commands are the doc's");
        return skipped;
    }

    /** Which docs each WorkshopIT walk runs, in order: a lab's page (05 applies to lab 3's stack), troubleshooting. */
    static final Map<String, List<String>> WALKS = Map.of(
            Lab.X509.id(), List.of(Lab.X509.doc()),
            Lab.RBAC.id(), List.of(Lab.RBAC.doc()),
            Lab.SDS_AGENT.id(), List.of(Lab.SDS_AGENT.doc(), "docs/05-rotation.md"),
            Lab.JWT.id(), List.of(Lab.JWT.doc()),
            "faults", List.of("docs/troubleshooting.md"));

    /** Every walk ends this way (each page's "Clean up"); README's quick reference lists it too. */
    static final String CLEAN_UP = "scripts/lab.sh stop";

    private DocBlocks() {
    }

    /** The Docker-path blocks a walk runs, in document order; skipped commands are dropped from them. */
    static List<Block> walk(LabProperties lab, String walk) {
        List<Block> blocks = new ArrayList<>();
        for (String doc : WALKS.get(walk)) {
            for (Block block : read(lab, doc)) {
                List<String> run = block.commands().stream().filter(c -> skipReason(c) == null).toList();
                if (!block.kubernetes() && !run.isEmpty()) {
                    // The expected output is the last command's: a block whose last command is skipped shows none here.
                    List<String> expected = run.get(run.size() - 1).equals(block.commands().get(block.commands().size() - 1))
                            ? block.expected() : List.of();
                    blocks.add(new Block(block.doc(), block.section(), block.line(), run, expected));
                }
            }
        }
        return blocks;
    }

    /** Whether running a command again changes nothing: the lab's check and doctor, docker exec but SPIRE's writes. */
    static boolean reads(String command) {
        return command.matches("scripts/lab\\.sh (check|doctor)\\b.*")
                || command.startsWith("docker exec ") && !command.matches(".* entry (create|update|delete)\\b.*");
    }

    static String skipReason(String command) {
        return SKIPPED.entrySet().stream().filter(e -> command.startsWith(e.getKey())).map(Map.Entry::getValue).findFirst().orElse(null);
    }

    /** docs/*.md and README.md, relative to the repository root. */
    static List<String> docs(LabProperties lab) {
        try (Stream<Path> files = Files.list(lab.file("docs"))) {
            List<String> docs = new ArrayList<>(files.filter(p -> p.toString().endsWith(".md")).sorted()
                    .map(p -> lab.root().relativize(p).toString()).toList());
            docs.add("README.md");
            return docs;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Block> read(LabProperties lab, String doc) {
        try {
            return parse(doc, Files.readString(lab.file(doc)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Block> parse(String doc, String markdown) {
        List<Block> blocks = new ArrayList<>();
        String[] lines = markdown.split("\n", -1);
        String section = "";
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith("#")) {
                section = lines[i].replaceFirst("^#+\\s*", "");
            }
            if (!lines[i].equals("```bash")) {
                continue;
            }
            int start = i + 1;
            List<String> body = new ArrayList<>();
            for (i++; !lines[i].equals("```"); i++) {
                body.add(lines[i]);
            }
            List<String> expected = new ArrayList<>();
            if (i + 1 < lines.length && lines[i + 1].equals("```text")) {
                for (i += 2; !lines[i].equals("```"); i++) {
                    expected.add(lines[i]);
                }
            }
            blocks.add(new Block(doc, section, start, commands(body), List.copyOf(expected)));
        }
        return blocks;
    }

    private static List<String> commands(List<String> body) {
        List<String> commands = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : body) {
            String part = withoutComment(line).strip();
            if (part.endsWith("\\")) {
                current.append(part, 0, part.length() - 1).append(' ');
                continue;
            }
            current.append(part);
            for (String command : current.toString().split("\\s+&&\\s+")) {
                if (!command.isBlank()) {
                    commands.add(command.replaceAll("\\s+", " ").strip());
                }
            }
            current.setLength(0);
        }
        return commands;
    }

    /** A {@code #} that starts a word outside quotes begins a comment, as in bash. */
    private static String withoutComment(String line) {
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                quote = c == quote ? 0 : quote;
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '#' && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
                return line.substring(0, i);
            }
        }
        return line;
    }

    /**
     * The expected lines that {@code output} does not show, in order: each line's text (blanks collapsed, {@code …}
     * standing for anything within the line) must appear on a line after the previous one's.
     */
    static List<String> missing(List<String> expected, String output) {
        String[] lines = output.split("\n");
        List<String> missing = new ArrayList<>();
        int from = 0;
        for (String want : expected) {
            String pattern = want.strip().replaceAll("\\s+", " ");
            if (pattern.isEmpty() || pattern.equals("…")) {
                continue;
            }
            Pattern line = Pattern.compile(Stream.of(pattern.split("…", -1)).map(Pattern::quote).reduce((a, b) -> a + ".*?" + b).orElseThrow());
            int found = -1;
            for (int i = from; i < lines.length && found < 0; i++) {
                if (line.matcher(lines[i].strip().replaceAll("\\s+", " ")).find()) {
                    found = i;
                }
            }
            if (found < 0) {
                missing.add(want.strip());
            } else {
                from = found + 1;
            }
        }
        return missing;
    }
}
