package org.spiffelab.workshop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.spiffelab.harness.LabProperties;

/**
 * Each lab's starting point is its solution minus exactly what the lab teaches — so the two cannot drift apart, and
 * the solution is the scenario's own config (one source of truth).
 */
class LabFilesTest {

    private static final LabProperties LAB = LabProperties.load();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void lab1StartsWithoutTheTwoSecretNames() throws IOException {
        JsonNode start = yaml(Lab.X509.startConfig());
        ObjectNode solution = (ObjectNode) yaml("customer-service/envoy/envoy-x509.yaml");
        JsonNode context = solution.at("/static_resources/listeners/0/filter_chains/0/transport_socket/typed_config/common_tls_context");
        ((ObjectNode) context.at("/tls_certificate_sds_secret_configs/0")).put("name", "TODO-certificate");
        ((ObjectNode) context.at("/validation_context_sds_secret_config")).put("name", "TODO-bundle");
        assertThat(start).isEqualTo(solution);
    }

    @Test
    void lab4StartsWithoutTheExtAuthzFilter() throws IOException {
        JsonNode start = yaml(Lab.JWT.startConfig());
        JsonNode solution = yaml("customer-service/envoy/envoy-jwt.yaml");
        ArrayNode filters = (ArrayNode) solution.at("/static_resources/listeners/0/filter_chains/0/filters/0/typed_config/http_filters");
        assertThat(filters.get(0).path("name").asText()).isEqualTo(EnvoyView.EXT_AUTHZ);
        filters.remove(0);
        assertThat(start).isEqualTo(solution);
    }

    @Test
    void labs2And3StartFromLab1sSolution() {
        assertThat(Lab.RBAC.startConfig()).isEqualTo("customer-service/envoy/envoy-x509.yaml");
        assertThat(Lab.SDS_AGENT.startConfig()).isEqualTo("customer-service/envoy/envoy-x509.yaml");
    }

    @Test
    void everyLabHasASolutionScriptAndItsDoc() throws IOException {
        for (Lab lab : Lab.values()) {
            String script = Files.readString(LAB.file(lab.solution()));
            assertThat(script).as(lab.solution()).startsWith("#!/usr/bin/env bash").contains("set -euo pipefail");
            assertThat(Files.readString(LAB.file(lab.doc()))).as(lab.doc()).contains("scripts/lab.sh start " + lab.id())
                    .contains("scripts/lab.sh check " + lab.id());
        }
    }

    @Test
    void theSolutionsCopyTheScenarioConfigs() throws IOException {
        assertThat(Files.readString(LAB.file(Lab.X509.solution()))).contains("customer-service/envoy/envoy-x509.yaml");
        assertThat(Files.readString(LAB.file(Lab.RBAC.solution()))).contains("customer-service/envoy/envoy-rbac.yaml");
        assertThat(Files.readString(LAB.file(Lab.JWT.solution()))).contains("customer-service/envoy/envoy-jwt.yaml");
    }

    private static JsonNode yaml(String path) throws IOException {
        return YAML.readTree(LAB.file(path).toFile());
    }
}
