package org.spiffelab.workshop;

import java.util.Arrays;
import java.util.List;

/** The failures people hit most with SPIRE and Envoy, which {@code break} injects and {@code doctor} must name. */
enum Fault {
    SDS_NAME("sds-name", "Envoy asks SDS for a secret name that matches no identity of its workload: its listener stays warming"),
    SELECTOR("selector", "customer-service's registration entry selects a label no container carries: Envoy gets no SVID"),
    RBAC_TYPO("rbac-typo", "a typo in the RBAC policy's principal: webapp's requests get 403"),
    TRUST_BUNDLE("trust-bundle", "Envoy checks clients against another CA's certificate: webapp's TLS handshakes fail"),
    AGENT_OUTAGE("agent-outage", "the SPIRE agent stops answering long enough for Envoy's SVID to expire"),
    SOCKET_PERMISSIONS("socket-permissions", "the agent socket's folder is closed to other users: a restarted webapp gets no SVID");

    private final String id;
    private final String description;

    Fault(String id, String description) {
        this.id = id;
        this.description = description;
    }

    String id() {
        return id;
    }

    String description() {
        return description;
    }

    static Fault named(String name) {
        for (Fault fault : values()) {
            if (fault.id.equals(name)) {
                return fault;
            }
        }
        throw new IllegalArgumentException("unknown fault '" + name + "'; choose one of " + names());
    }

    static List<String> names() {
        return Arrays.stream(values()).map(Fault::id).toList();
    }
}
