package org.spiffelab.harness;

import java.util.List;

/**
 * A registration entry of the Docker runtime: the workload's SPIFFE ID and the container label that attests it.
 *
 * @param x509SvidTtlSeconds 0 for the server's default
 * @param jwtSvidTtlSeconds  0 for the server's default
 */
public record Registration(String workload, String spiffeId, List<String> selectors, List<String> dnsNames,
                           int x509SvidTtlSeconds, int jwtSvidTtlSeconds) {

    /** A workload attested by the docker workload attestor through the lab's label: {@code docker:label:KEY:workload}. */
    public static Registration dockerLabel(LabProperties lab, String workload, String spiffeId, String... dnsNames) {
        return new Registration(workload, spiffeId,
                List.of("docker:label:" + lab.get("WORKLOAD_LABEL") + ":" + workload), List.of(dnsNames), 0, 0);
    }

    /** The entries of docker/spire/registrations.txt, SPIFFE IDs resolved from lab.properties. */
    public static List<Registration> fromFile(LabProperties lab) {
        try {
            List<Registration> entries = new java.util.ArrayList<>();
            for (String raw : java.nio.file.Files.readAllLines(lab.file("docker/spire/registrations.txt"))) {
                String line = raw.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] fields = line.split("\\s+");
                if (fields.length < 2) {
                    throw new IllegalStateException("docker/spire/registrations.txt: expected '<workload> <ID key> [dns...]', got: " + raw);
                }
                entries.add(dockerLabel(lab, fields[0], lab.get(fields[1]), java.util.Arrays.copyOfRange(fields, 2, fields.length)));
            }
            return List.copyOf(entries);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public Registration withX509SvidTtl(int seconds) {
        return new Registration(workload, spiffeId, selectors, dnsNames, seconds, jwtSvidTtlSeconds);
    }

    public Registration withJwtSvidTtl(int seconds) {
        return new Registration(workload, spiffeId, selectors, dnsNames, x509SvidTtlSeconds, seconds);
    }
}
