package org.spiffelab.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The build fails on a new compiler warning in every module: the root pom compiles with {@code -Xlint:all} and
 * {@code -Werror}, and no module opts out (by the property or by compiler arguments of its own). A module folder the
 * root pom does not list would not be built at all, so each one must be listed.
 */
class BuildConfigTest {

    static final LabProperties LAB = LabProperties.load();

    @Test
    void theRootPomTurnsWarningsIntoErrors() throws Exception {
        Document root = pom(LAB.file("pom.xml"));
        assertEquals("-Werror", text(child(root.getDocumentElement(), "properties"), "lab.compiler.strict"));
        List<String> args = new ArrayList<>();
        for (Element plugin : elements(root, "plugin")) {
            if ("maven-compiler-plugin".equals(text(plugin, "artifactId"))) {
                elements(plugin, "arg").forEach(arg -> args.add(arg.getTextContent().strip()));
            }
        }
        assertTrue(args.stream().anyMatch(arg -> arg.startsWith("-Xlint:all")), "compiler arguments " + args);
        assertTrue(args.contains("${lab.compiler.strict}"), "compiler arguments " + args);
    }

    @Test
    void noModuleOptsOutAndEveryModuleIsBuilt() throws Exception {
        List<String> listed = elements(pom(LAB.file("pom.xml")), "module").stream().map(m -> m.getTextContent().strip()).toList();
        List<String> problems = new ArrayList<>();
        for (Path dir : moduleFolders()) {
            String module = dir.getFileName().toString();
            if (!listed.contains(module)) {
                problems.add(module + " is not in the root pom's <modules>");
            }
            Document pom = pom(dir.resolve("pom.xml"));
            if (!elements(pom, "lab.compiler.strict").isEmpty()) {
                problems.add(module + " overrides lab.compiler.strict");
            }
            for (String setting : List.of("compilerArgs", "compilerArgument", "failOnWarning", "showWarnings")) {
                if (!elements(pom, setting).isEmpty()) {
                    problems.add(module + " configures the compiler's " + setting);
                }
            }
        }
        assertEquals(List.of(), problems);
        assertTrue(listed.contains("lab-harness") && listed.size() >= 5, "modules " + listed);
    }

    private static List<Path> moduleFolders() throws IOException {
        try (Stream<Path> dirs = Files.list(LAB.root())) {
            return dirs.filter(dir -> Files.isRegularFile(dir.resolve("pom.xml"))).sorted().toList();
        }
    }

    private static Document pom(Path file) throws Exception {
        return DocumentBuilderFactory.newDefaultInstance().newDocumentBuilder().parse(file.toFile());
    }

    private static List<Element> elements(Document doc, String tag) {
        return elements(doc.getDocumentElement(), tag);
    }

    private static List<Element> elements(Element parent, String tag) {
        NodeList nodes = parent.getElementsByTagName(tag);
        List<Element> found = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            found.add((Element) nodes.item(i));
        }
        return found;
    }

    private static Element child(Element parent, String tag) {
        for (Element element : elements(parent, tag)) {
            if (element.getParentNode() == parent) {
                return element;
            }
        }
        throw new AssertionError("no <" + tag + "> in <" + parent.getTagName() + ">");
    }

    private static String text(Element parent, String tag) {
        return child(parent, tag).getTextContent().strip();
    }
}
