package org.spiffelab.webapp.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spiffelab.harness.LabProperties;

class WebappConfigTest {

    @TempDir
    Path dir;
    String socket;

    @BeforeEach
    void socketFile() throws Exception {
        socket = "unix:" + Files.createFile(dir.resolve("agent.sock"));
    }

    @Test
    void flagsOverrideEnvironmentOverDefaults() {
        WebappConfig config = WebappConfig.from(new String[] {"--customer-id=1002", "--port=9090"},
                Map.of("SPIFFE_ENDPOINT_SOCKET", socket, "CUSTOMER_ID", "1003"));
        assertThat(config.customerId()).isEqualTo("1002");
        assertThat(config.port()).isEqualTo(9090);
        assertThat(config.customerServiceId().toString()).isEqualTo(WebappConfig.DEFAULT_CUSTOMER_SERVICE_ID);
    }

    @Test
    void defaultsAgreeWithLabProperties() {
        LabProperties lab = LabProperties.load();
        assertThat(WebappConfig.DEFAULT_CUSTOMER_SERVICE_ID).isEqualTo(lab.get("CUSTOMER_SERVICE_ID"));
        assertThat(WebappConfig.DEFAULT_SOCKET).isEqualTo("unix:" + lab.get("SPIRE_AGENT_SOCKET"));
        assertThat(WebappConfig.DEFAULT_CUSTOMER_SERVICE_URL).isEqualTo("https://customer-service:" + lab.get("ENVOY_TLS_PORT"));
    }

    @Test
    void missingSocketSaysWhatToCheck() {
        assertThatThrownBy(() -> WebappConfig.from(new String[0], Map.of("SPIFFE_ENDPOINT_SOCKET", "unix:/nonexistent/agent.sock")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("/nonexistent/agent.sock").hasMessageContaining("mounted");
    }

    @Test
    void plainHttpOrGarbageUrlIsRefused() {
        assertThatThrownBy(() -> from("CUSTOMER_SERVICE_URL", "http://customer-service:8443"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("https://").hasMessageContaining("sidecar");
        assertThat(from("CUSTOMER_SERVICE_URL", "http://127.0.0.1:9001").viaSidecar()).isTrue();
        assertThat(from("CUSTOMER_SERVICE_URL", "https://customer-service:8443").viaSidecar()).isFalse();
        assertThatThrownBy(() -> from("CUSTOMER_SERVICE_URL", "ftp://customer-service")).hasMessageContaining("https://");
        assertThatThrownBy(() -> from("CUSTOMER_SERVICE_URL", "https://bad host:8443"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("not a URL");
    }

    @Test
    void malformedSpiffeIdIsRefused() {
        assertThatThrownBy(() -> from("CUSTOMER_SERVICE_ID", "spiffe://example.org/ns//sa"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("not a SPIFFE ID");
        assertThatThrownBy(() -> from("CUSTOMER_SERVICE_ID", "https://example.org/x"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("not a SPIFFE ID");
        assertThatThrownBy(() -> from("CUSTOMER_SERVICE_ID", "spiffe://example.org"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("trust domain");
    }

    @Test
    void otherBadValuesAreNamed() {
        assertThatThrownBy(() -> from("PORT", "70000")).hasMessageContaining("PORT");
        assertThatThrownBy(() -> from("SVID_TIMEOUT", "30s")).hasMessageContaining("PT30S");
        assertThatThrownBy(() -> from("CUSTOMER_ID", "../etc")).hasMessageContaining("CUSTOMER_ID");
        assertThatThrownBy(() -> WebappConfig.from(new String[] {"customer-id"}, Map.of("SPIFFE_ENDPOINT_SOCKET", socket)))
                .hasMessageContaining("--name=value");
    }

    private WebappConfig from(String key, String value) {
        return WebappConfig.from(new String[0], Map.of("SPIFFE_ENDPOINT_SOCKET", socket, key, value));
    }
}
