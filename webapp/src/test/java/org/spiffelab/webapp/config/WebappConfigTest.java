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

    @Test
    void scenarioIsOptionalAndOnlyALabScenario() {
        assertThat(from("TITLE", "webapp").scenario()).as("not set: the page says so").isNull();
        assertThat(from("LAB_SCENARIO", "sds-agent").scenario()).isEqualTo(Scenario.SDS_AGENT);
        assertThat(WebappConfig.from(new String[] {"--lab-scenario=jwt"}, Map.of("SPIFFE_ENDPOINT_SOCKET", socket)).scenario())
                .isEqualTo(Scenario.JWT);
        for (String bad : new String[] {"", "RBAC", "rbac ", "mtls"}) {
            assertThatThrownBy(() -> from("LAB_SCENARIO", bad)).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("LAB_SCENARIO").hasMessageContaining("x509, rbac, sds-agent, jwt");
        }
        assertThatThrownBy(() -> from("LAB_SCENARI", "rbac")).hasMessageContaining("did you mean LAB_SCENARIO?");
    }

    private WebappConfig from(String key, String value) {
        return WebappConfig.from(new String[0], Map.of("SPIFFE_ENDPOINT_SOCKET", socket, key, value));
    }

    @Test
    void misspeltFlagIsRejectedNamingItAndTheLikelyOne() {
        assertThatThrownBy(() -> WebappConfig.from(new String[] {"--customer-service-idd=spiffe://example.org/ns/demo/sa/x"},
                Map.of("SPIFFE_ENDPOINT_SOCKET", socket)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown flag --customer-service-idd").hasMessageContaining("did you mean --customer-service-id?");
        assertThatThrownBy(() -> WebappConfig.from(new String[] {"--colour=blue"}, Map.of("SPIFFE_ENDPOINT_SOCKET", socket)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unknown flag --colour").hasMessageContaining("--title");
    }

    @Test
    void misspeltEnvironmentSettingIsRejectedButForeignVariablesAreNot() {
        assertThatThrownBy(() -> WebappConfig.from(new String[0], Map.of("SPIFFE_ENDPOINT_SOCKET", socket, "CUSTOMER_SERVICE_IDD", "x")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown environment setting CUSTOMER_SERVICE_IDD").hasMessageContaining("CUSTOMER_SERVICE_ID?");
        assertThatThrownBy(() -> WebappConfig.from(new String[0], Map.of("SPIFFE_ENDPOINT_SOCKET", socket, "SVID_TIMOUT", "PT5S")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("SVID_TIMOUT").hasMessageContaining("SVID_TIMEOUT?");
        // What a shell, a JVM image and Kubernetes' service links put in the environment is left alone.
        WebappConfig config = WebappConfig.from(new String[0], Map.of("SPIFFE_ENDPOINT_SOCKET", socket, "PATH", "/usr/bin",
                "HOME", "/", "JAVA_HOME", "/opt/java", "CUSTOMER_SERVICE_PORT", "tcp://10.0.0.1:8443",
                "CUSTOMER_SERVICE_SERVICE_HOST", "10.0.0.1", "CUSTOMER_SERVICE_PORT_8443_TCP", "tcp://10.0.0.1:8443", "TITLE", "webapp"));
        assertThat(config.title()).isEqualTo("webapp");
    }
}
