package org.spiffelab.workshop;

import java.util.Arrays;
import java.util.List;

/**
 * The hands-on labs (Docker path), by the scenario names the docs, the demo and the tests share. Each starts a stack
 * that lacks exactly what the lab teaches; its solution ({@code workshop/labs/<name>/solution.sh}) is what the attendee
 * types.
 *
 * @param startConfig the Envoy config copied to work/envoy.yaml at start, relative to the repository root
 */
enum Lab {
    X509("x509", 1, "X.509 mTLS through Envoy", "docs/01-x509.md", "workshop/labs/x509/envoy.yaml"),
    RBAC("rbac", 2, "Authorization by SPIFFE ID", "docs/02-rbac.md", "customer-service/envoy/envoy-x509.yaml"),
    SDS_AGENT("sds-agent", 3, "The Java SDS server", "docs/03-sds-agent.md", "customer-service/envoy/envoy-x509.yaml"),
    JWT("jwt", 4, "JWT-SVIDs per request", "docs/04-jwt.md", "workshop/labs/jwt/envoy.yaml");

    private final String id;
    private final int number;
    private final String title;
    private final String doc;
    private final String startConfig;

    Lab(String id, int number, String title, String doc, String startConfig) {
        this.id = id;
        this.number = number;
        this.title = title;
        this.doc = doc;
        this.startConfig = startConfig;
    }

    String id() {
        return id;
    }

    int number() {
        return number;
    }

    String title() {
        return title;
    }

    String doc() {
        return doc;
    }

    String startConfig() {
        return startConfig;
    }

    String solution() {
        return "workshop/labs/" + id + "/solution.sh";
    }

    String heading() {
        return "Lab " + number + " — " + title + " (" + id + ")";
    }

    /** By name (x509) or number (1). */
    static Lab named(String name) {
        for (Lab lab : values()) {
            if (lab.id.equals(name) || Integer.toString(lab.number).equals(name)) {
                return lab;
            }
        }
        throw new IllegalArgumentException("unknown lab '" + name + "'; choose one of " + names());
    }

    static List<String> names() {
        return Arrays.stream(values()).map(Lab::id).toList();
    }
}
