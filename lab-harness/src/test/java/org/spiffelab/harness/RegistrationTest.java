package org.spiffelab.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RegistrationTest {

    @Test
    void registrationsFileYieldsEveryWorkloadIdOnceWithItsLabelSelector() {
        LabProperties lab = LabProperties.load();
        List<Registration> entries = Registration.fromFile(lab);
        Map<String, String> ids = entries.stream().collect(Collectors.toMap(Registration::workload, Registration::spiffeId));
        assertEquals(Map.of("customer-service", lab.get("CUSTOMER_SERVICE_ID"), "webapp", lab.get("WEBAPP_ID"),
                "webapp-2", lab.get("WEBAPP_2_ID")), ids);
        for (Registration entry : entries) {
            assertEquals(List.of("docker:label:" + lab.get("WORKLOAD_LABEL") + ":" + entry.workload()), entry.selectors());
            // The Kubernetes-shaped ID ends in the service account, which is the workload's name.
            assertTrue(entry.spiffeId().endsWith("/sa/" + entry.workload()), entry.spiffeId());
        }
        assertEquals(List.of("customer-service"), entries.get(0).dnsNames());
    }
}
