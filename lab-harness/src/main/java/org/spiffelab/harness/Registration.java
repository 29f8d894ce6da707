package org.spiffelab.harness;

import java.util.List;

/**
 * A registration entry of the Docker runtime: the workload's SPIFFE ID and the container label that attests it.
 *
 * @param x509SvidTtlSeconds 0 for the server's default
 */
public record Registration(String workload, String spiffeId, List<String> selectors, List<String> dnsNames,
                           int x509SvidTtlSeconds) {

    /** A workload attested by the docker workload attestor through the lab's label: {@code docker:label:KEY:workload}. */
    public static Registration dockerLabel(LabProperties lab, String workload, String spiffeId, String... dnsNames) {
        return new Registration(workload, spiffeId,
                List.of("docker:label:" + lab.get("WORKLOAD_LABEL") + ":" + workload), List.of(dnsNames), 0);
    }

    public Registration withX509SvidTtl(int seconds) {
        return new Registration(workload, spiffeId, selectors, dnsNames, seconds);
    }
}
