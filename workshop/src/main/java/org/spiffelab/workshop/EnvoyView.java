package org.spiffelab.workshop;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What Envoy's admin says about customer-service's listener: the config it runs ({@code /config_dump}), the secrets it
 * holds ({@code /certs}) and its counters ({@code /stats}).
 */
record EnvoyView(JsonNode configDump, JsonNode certs, Map<String, Long> stats) {

    static final String RBAC = "envoy.filters.http.rbac";
    static final String EXT_AUTHZ = "envoy.filters.http.ext_authz";
    static final String ROUTER = "envoy.filters.http.router";

    /** The names Envoy asks SDS for its own certificate. */
    List<String> certificateSecretNames() {
        List<String> names = new ArrayList<>();
        for (JsonNode context : find(configDump, "tls_certificate_sds_secret_configs")) {
            context.forEach(config -> names.add(config.path("name").asText()));
        }
        return names.stream().distinct().toList();
    }

    /** The names Envoy asks SDS for the bundle that validates clients. */
    List<String> validationSecretNames() {
        List<String> names = new ArrayList<>();
        for (JsonNode config : find(configDump, "validation_context_sds_secret_config")) {
            names.add(config.path("name").asText());
        }
        return names.stream().distinct().toList();
    }

    /** A CA file configured in place of SDS (trusted_ca), or null. */
    String trustedCaFile() {
        for (JsonNode ca : find(configDump, "trusted_ca")) {
            if (ca.has("filename")) {
                return ca.path("filename").asText();
            }
        }
        return null;
    }

    /** The HTTP filters of the listener's connection manager, in order. */
    List<String> httpFilters() {
        // The listener's connection manager; /config_dump may show the same listener more than once.
        List<String> names = new ArrayList<>();
        for (JsonNode filters : find(configDump, "http_filters")) {
            filters.forEach(filter -> names.add(filter.path("name").asText()));
            break;
        }
        return names;
    }

    /** Whether {@code filter} runs, and before the router. */
    boolean runsBeforeRouter(String filter) {
        List<String> filters = httpFilters();
        int at = filters.indexOf(filter);
        int router = filters.indexOf(ROUTER);
        return at >= 0 && (router < 0 || at < router);
    }

    JsonNode filterConfig(String filter) {
        for (JsonNode filters : find(configDump, "http_filters")) {
            for (JsonNode f : filters) {
                if (f.path("name").asText().equals(filter)) {
                    return f.path("typed_config");
                }
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    /** Every exact principal_name of the RBAC filter's policies: the SPIFFE IDs it lets in. */
    List<String> rbacPrincipals() {
        List<String> ids = new ArrayList<>();
        for (JsonNode name : find(filterConfig(RBAC), "principal_name")) {
            if (name.has("exact")) {
                ids.add(name.path("exact").asText());
            }
        }
        return ids;
    }

    long stat(String name) {
        return stats.getOrDefault(name, 0L);
    }

    /**
     * Whether the listener serves: Envoy is LIVE (gauge server.state 0) with its workers started. A static listener
     * whose SDS secrets have not arrived keeps Envoy INITIALIZING (initial_fetch_timeout: 0s), so /ready says so too.
     */
    boolean listenerActive() {
        return stats.containsKey("server.state") && stat("server.state") == 0 && stat("listener_manager.workers_started") > 0
                && stat("listener_manager.total_listeners_warming") == 0;
    }

    /** LIVE, INITIALIZING, ... as /ready says it. */
    String serverState() {
        if (!stats.containsKey("server.state")) {
            return "unknown (admin does not answer)";
        }
        return switch ((int) stat("server.state")) {
            case 0 -> "LIVE";
            case 1 -> "DRAINING";
            case 2 -> "PRE_INITIALIZING";
            case 3 -> "INITIALIZING";
            default -> "state " + stat("server.state");
        };
    }

    /** The SPIFFE ID in the URI SAN of the certificate Envoy presents, or null when it holds none. */
    String certificateId() {
        JsonNode chain = firstChain();
        for (JsonNode san : chain.path("subject_alt_names")) {
            if (san.has("uri")) {
                return san.path("uri").asText();
            }
        }
        return null;
    }

    /** When the certificate Envoy presents expires, or null. */
    Instant certificateExpiry() {
        String at = firstChain().path("expiration_time").asText("");
        return at.isEmpty() ? null : Instant.parse(at);
    }

    /** Serial numbers of the CA certificates Envoy validates clients against, as numbers (hex, no leading zeros). */
    List<java.math.BigInteger> caSerials() {
        List<java.math.BigInteger> serials = new ArrayList<>();
        for (JsonNode cert : certs.path("certificates")) {
            for (JsonNode ca : cert.path("ca_cert")) {
                String serial = ca.path("serial_number").asText("");
                if (!serial.isEmpty()) {
                    serials.add(new java.math.BigInteger(serial, 16));
                }
            }
        }
        return serials;
    }

    private JsonNode firstChain() {
        for (JsonNode cert : certs.path("certificates")) {
            for (JsonNode chain : cert.path("cert_chain")) {
                return chain;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    /** Every value of a field named {@code field}, anywhere below {@code node}. */
    static List<JsonNode> find(JsonNode node, String field) {
        List<JsonNode> found = new ArrayList<>();
        collect(node, field, found);
        return found;
    }

    private static void collect(JsonNode node, String field, List<JsonNode> found) {
        if (node.isObject()) {
            node.properties().forEach(e -> {
                if (e.getKey().equals(field)) {
                    found.add(e.getValue());
                } else {
                    collect(e.getValue(), field, found);
                }
            });
        } else if (node.isArray()) {
            node.forEach(child -> collect(child, field, found));
        }
    }
}
