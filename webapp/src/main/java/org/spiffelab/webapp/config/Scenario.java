package org.spiffelab.webapp.config;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;

/**
 * The lab scenario this webapp runs in (setting {@code LAB_SCENARIO}), and the lab page that teaches it. The names are
 * lab.properties' {@code SCENARIOS} and the titles the docs' own headings: the image carries neither file, so
 * {@code ScenarioTest} fails when this list and theirs differ.
 */
public enum Scenario {
    X509("x509", 1, "X.509 mTLS through Envoy"),
    RBAC("rbac", 2, "Authorization by SPIFFE ID"),
    SDS_AGENT("sds-agent", 3, "The Java SDS server"),
    JWT("jwt", 4, "JWT-SVIDs per request");

    private final String id;
    private final int lab;
    private final String title;

    Scenario(String id, int lab, String title) {
        this.id = id;
        this.lab = lab;
        this.title = title;
    }

    @JsonValue
    public String id() {
        return id;
    }

    public int lab() {
        return lab;
    }

    public String title() {
        return title;
    }

    /** The lab page in the lab's repository, e.g. docs/02-rbac.md. */
    public String doc() {
        return "docs/%02d-%s.md".formatted(lab, id);
    }

    public static List<String> names() {
        return Arrays.stream(values()).map(Scenario::id).toList();
    }

    /** @throws ConfigException naming the setting and the known scenarios */
    static Scenario parse(String value) {
        for (Scenario scenario : values()) {
            if (scenario.id.equals(value)) {
                return scenario;
            }
        }
        throw new ConfigException("LAB_SCENARIO must be one of " + String.join(", ", names()) + ", got '" + value + "'");
    }
}
