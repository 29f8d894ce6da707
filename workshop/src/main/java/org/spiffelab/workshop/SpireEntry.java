package org.spiffelab.workshop;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** A registration entry as {@code spire-server entry show -output json} prints it. */
record SpireEntry(String id, String spiffeId, String parentId, List<String> selectors, List<String> dnsNames, long x509SvidTtl) {

    static List<SpireEntry> parse(JsonNode json) {
        List<SpireEntry> entries = new ArrayList<>();
        for (JsonNode entry : json.path("entries")) {
            List<String> selectors = new ArrayList<>();
            for (JsonNode selector : entry.path("selectors")) {
                selectors.add(selector.path("type").asText() + ":" + selector.path("value").asText());
            }
            List<String> dns = new ArrayList<>();
            entry.path("dns_names").forEach(name -> dns.add(name.asText()));
            entries.add(new SpireEntry(entry.path("id").asText(), id(entry.path("spiffe_id")), id(entry.path("parent_id")),
                    List.copyOf(selectors), List.copyOf(dns), entry.path("x509_svid_ttl").asLong()));
        }
        return List.copyOf(entries);
    }

    private static String id(JsonNode id) {
        return "spiffe://" + id.path("trust_domain").asText() + id.path("path").asText();
    }

    /** Whether a container with these labels is attested by this entry (docker:label selectors only). */
    boolean selects(java.util.Map<String, String> labels) {
        for (String selector : selectors) {
            if (!selector.startsWith("docker:label:")) {
                return false;
            }
            String keyValue = selector.substring("docker:label:".length());
            int colon = keyValue.indexOf(':');
            if (colon < 0 || !keyValue.substring(colon + 1).equals(labels.get(keyValue.substring(0, colon)))) {
                return false;
            }
        }
        return !selectors.isEmpty();
    }
}
