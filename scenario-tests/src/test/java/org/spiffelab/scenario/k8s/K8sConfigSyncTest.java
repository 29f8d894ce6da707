package org.spiffelab.scenario.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.spiffelab.harness.LabProperties;

/**
 * k8s/ and {@code workshop/labs/<lab>/k8s} hold copies of the Docker runtime's config files (kustomize reads only below a
 * kustomization): they must not drift.
 */
class K8sConfigSyncTest {

    static final LabProperties LAB = LabProperties.load();

    @Test
    void everyCopyEqualsItsSource() throws IOException {
        Map<String, String> copies = new LinkedHashMap<>();
        copies.put("k8s/workloads/files/nginx.conf", "customer-service/nginx/nginx.conf");
        for (String s : List.of("x509", "rbac", "jwt")) {
            copies.put("k8s/scenarios/" + s + "/envoy.yaml", "customer-service/envoy/envoy-" + s + ".yaml");
        }
        copies.put("k8s/scenarios/sds-agent/envoy.yaml", "customer-service/envoy/envoy-x509.yaml");
        copies.put("k8s/scenarios/jwt/envoy-forward.yaml", "webapp/envoy/envoy-forward-jwt.yaml");
        // The hands-on labs on Kubernetes start where the Docker labs do.
        copies.put("workshop/labs/rbac/k8s/envoy.yaml", "customer-service/envoy/envoy-x509.yaml");
        copies.put("workshop/labs/jwt/k8s/envoy.yaml", "workshop/labs/jwt/envoy.yaml");
        Path html = LAB.file("customer-service/nginx/html");
        try (Stream<Path> files = Files.walk(html)) {
            files.filter(Files::isRegularFile).forEach(f ->
                    copies.put("k8s/workloads/files/html/" + html.relativize(f), "customer-service/nginx/html/" + html.relativize(f)));
        }
        for (Map.Entry<String, String> copy : copies.entrySet()) {
            assertThat(LAB.root().resolve(copy.getKey())).as("%s is out of date: run scripts/sync-k8s-config.sh", copy.getKey())
                    .hasSameBinaryContentAs(LAB.root().resolve(copy.getValue()));
        }
        String kustomization = Files.readString(LAB.file("k8s/workloads/kustomization.yaml"));
        try (Stream<Path> files = Files.walk(html)) {
            files.filter(Files::isRegularFile).forEach(f -> assertThat(kustomization)
                    .as("k8s/workloads/kustomization.yaml serves %s", html.relativize(f)).contains("=files/html/" + html.relativize(f)));
        }
    }
}
