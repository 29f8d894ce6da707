package org.spiffelab.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lab's single source of truth, {@code lab.properties} at the repository root: versions, images,
 * SPIFFE IDs and ports. The file is also sourced by bash, so values may reference earlier keys as
 * {@code ${KEY}}; they are expanded here the way bash expands them.
 */
public final class LabProperties {

    private static final Pattern LINE = Pattern.compile("([A-Z][A-Z0-9_]*)=(\\S*)");
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)}");

    private final Path root;
    private final Map<String, String> values;

    private LabProperties(Path root, Map<String, String> values) {
        this.root = root;
        this.values = Collections.unmodifiableMap(values);
    }

    /** Loads the file of the repository this JVM runs in (system property {@code lab.root}, else the nearest parent). */
    public static LabProperties load() {
        return load(findRoot());
    }

    public static LabProperties load(Path root) {
        Path file = root.resolve("lab.properties");
        Map<String, String> values = new LinkedHashMap<>();
        try {
            int number = 0;
            for (String raw : Files.readAllLines(file)) {
                number++;
                String line = raw.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                Matcher m = LINE.matcher(line);
                if (!m.matches()) {
                    throw new IllegalStateException(file + ":" + number + ": expected KEY=value without spaces, got: " + raw);
                }
                values.put(m.group(1), expand(m.group(2), values, file, number));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return new LabProperties(root, values);
    }

    private static String expand(String value, Map<String, String> defined, Path file, int number) {
        Matcher m = REFERENCE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement = defined.get(m.group(1));
            if (replacement == null) {
                throw new IllegalStateException(file + ":" + number + ": ${" + m.group(1) + "} is not defined above this line");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static Path findRoot() {
        String configured = System.getProperty("lab.root");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("lab.properties"))) {
                return dir;
            }
        }
        throw new IllegalStateException("lab.properties not found above " + Path.of("").toAbsolutePath()
                + ": run from the repository or set -Dlab.root=<repository>");
    }

    public String get(String key) {
        String value = values.get(key);
        if (value == null) {
            throw new IllegalArgumentException("lab.properties has no key " + key);
        }
        return value;
    }

    public int port(String key) {
        return Integer.parseInt(get(key));
    }

    public Map<String, String> all() {
        return values;
    }

    /** The repository root. */
    public Path root() {
        return root;
    }

    /** A file of the repository, which must exist. */
    public Path file(String relative) {
        Path path = root.resolve(relative);
        if (!Files.exists(path)) {
            throw new IllegalStateException("missing " + path);
        }
        return path;
    }
}
