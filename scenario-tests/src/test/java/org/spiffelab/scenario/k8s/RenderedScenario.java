package org.spiffelab.scenario.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.spiffelab.harness.LabProperties;

/** One scenario rendered by the pinned kustomize: its documents, looked up by kind, namespace and name. */
final class RenderedScenario {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    final String name;
    final List<ObjectNode> documents;

    private RenderedScenario(String name, List<ObjectNode> documents) {
        this.name = name;
        this.documents = documents;
    }

    static Path kustomize(LabProperties lab) {
        // the same folder scripts/lib.sh uses: LAB_CACHE, else $XDG_CACHE_HOME (or ~/.cache)/spire-envoy-lab
        String xdg = System.getenv().getOrDefault("XDG_CACHE_HOME", System.getProperty("user.home") + "/.cache");
        String cache = System.getenv().getOrDefault("LAB_CACHE", xdg + "/spire-envoy-lab");
        Path binary = Path.of(cache, "kustomize-" + lab.get("KUSTOMIZE_VERSION"), "kustomize");
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException("kustomize " + lab.get("KUSTOMIZE_VERSION") + " not found at " + binary
                    + ": run scripts/toolchain.sh (mvn verify runs it)");
        }
        return binary;
    }

    static RenderedScenario render(LabProperties lab, String scenario) throws IOException, InterruptedException {
        return render(lab, scenario, "k8s/scenarios/" + scenario);
    }

    /** Any kustomization of the repository, e.g. a hands-on lab's starting point (workshop/labs/&lt;lab&gt;/k8s). */
    static RenderedScenario render(LabProperties lab, String scenario, String kustomization) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(kustomize(lab).toString(), "build", lab.file(kustomization).toString())
                .redirectErrorStream(false).start();
        byte[] out = process.getInputStream().readAllBytes();
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new AssertionError("kustomize build " + kustomization + " failed: " + err);
        }
        List<ObjectNode> docs = new ArrayList<>();
        try (YAMLParser parser = new YAMLFactory().createParser(out)) {
            for (JsonNode doc : YAML.readValues(parser, JsonNode.class).readAll()) {
                if (doc != null && doc.isObject()) {
                    docs.add((ObjectNode) doc);
                }
            }
        }
        return new RenderedScenario(scenario, docs);
    }

    List<ObjectNode> ofKind(String kind) {
        return documents.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
    }

    Optional<ObjectNode> find(String kind, String namespace, String name) {
        return documents.stream().filter(d -> d.path("kind").asText().equals(kind)
                && d.path("metadata").path("namespace").asText("").equals(namespace == null ? "" : namespace)
                && d.path("metadata").path("name").asText().equals(name)).findFirst();
    }

    /** Deployments, StatefulSets and DaemonSets. */
    List<ObjectNode> workloads() {
        return documents.stream().filter(d -> List.of("Deployment", "StatefulSet", "DaemonSet").contains(d.path("kind").asText())).toList();
    }

    static String id(JsonNode doc) {
        return doc.path("kind").asText() + " " + doc.path("metadata").path("namespace").asText("") + "/" + doc.path("metadata").path("name").asText();
    }
}
