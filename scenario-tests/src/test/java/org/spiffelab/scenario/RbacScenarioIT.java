package org.spiffelab.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.spiffelab.harness.LabProperties;
import org.spiffelab.harness.LabStack;
import org.spiffelab.harness.StackExtension;
import org.spiffelab.harness.StackSpec;
import org.spiffelab.harness.ToolboxContainer;
import org.spiffelab.harness.WebappContainer;
import org.testcontainers.containers.Container.ExecResult;

/**
 * Scenario {@code rbac}: mTLS says who the caller is, Envoy's RBAC filter says what it may do. Only webapp's SPIFFE ID
 * may GET the API; webapp-2's SVID is just as valid and is denied.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RbacScenarioIT {

    @RegisterExtension
    static final StackExtension STACK = new StackExtension(StackSpec::rbac);

    static final String ALLOWED = "http.customer_service.rbac.allowed";
    static final String DENIED = "http.customer_service.rbac.denied";

    // One instance per class (PER_CLASS): set once from the injected stack.
    LabStack stack;
    LabProperties lab;
    WebappContainer webapp;
    WebappContainer webapp2;

    @BeforeAll
    void startBothWebapps(LabStack stack) {
        this.stack = stack;
        this.lab = stack.lab();
        webapp = stack.startWebapp("webapp", Map.of());
        webapp2 = stack.startWebapp("webapp-2", Map.of());
    }

    @Test
    void webappIsAllowedAndTheAllowedCounterMoves() throws Exception {
        long allowed = stack.envoyStat(ALLOWED);
        JsonNode view = Portal.view(webapp);
        assertThat(view.path("result").path("profile").path("name").asText()).isEqualTo("Ada Lovelace");
        // profile, balance, transactions: three requests, each allowed
        assertThat(stack.envoyStat(ALLOWED)).isEqualTo(allowed + 3);
    }

    @Test
    void webapp2HasAValidSvidButThePolicyDeniesIt() throws Exception {
        long denied = stack.envoyStat(DENIED);
        JsonNode view = Portal.view(webapp2);
        assertThat(view.path("identity").path("spiffeId").asText()).isEqualTo(lab.get("WEBAPP_2_ID"));
        // The TLS handshake succeeded (webapp-2 verified customer-service) — the denial is the policy's, not TLS's.
        assertThat(view.path("identity").path("peer").asText()).isEqualTo(lab.get("CUSTOMER_SERVICE_ID"));
        assertThat(view.path("result").path("reason").asText()).isEqualTo("DENIED_BY_POLICY");
        assertThat(view.path("result").path("status").asInt()).isEqualTo(403);
        assertThat(view.path("result").path("body").asText()).isEqualTo("RBAC: access denied");
        assertThat(stack.envoyStat(DENIED)).isEqualTo(denied + 1);
        assertThat(Portal.page(webapp2)).contains("Access denied by customer-service", "RBAC: access denied");
    }

    @Test
    void webappMayNotPostOrLeaveTheApiPaths() {
        ToolboxContainer asWebapp = stack.startWorkload("webapp");
        Awaitility.await("an SVID for the toolbox attested as webapp").atMost(Duration.ofSeconds(30))
                .until(() -> asWebapp.fetchX509Svid().getExitCode() == 0);
        String base = "https://customer-service:" + lab.get("ENVOY_TLS_PORT");
        long allowed = stack.envoyStat(ALLOWED);
        long denied = stack.envoyStat(DENIED);

        ExecResult get = asWebapp.curlWithSvid(base + "/api/customers");
        assertThat(get.getStdout()).endsWith("\n200");
        ExecResult post = asWebapp.curlWithSvid(base + "/api/customers", "-X", "POST", "-d", "{}");
        assertThat(post.getStdout()).isEqualTo("RBAC: access denied\n403");
        ExecResult outside = asWebapp.curlWithSvid(base + "/healthz");
        assertThat(outside.getStdout()).isEqualTo("RBAC: access denied\n403");

        assertThat(stack.envoyStat(ALLOWED)).isEqualTo(allowed + 1);
        assertThat(stack.envoyStat(DENIED)).isEqualTo(denied + 2);
    }

    @Test
    void aPersonSeesTheBalanceOnWebappAndTheDenialOnWebapp2() throws Exception {
        Path shots = Path.of(System.getProperty("lab.reports", "target/scenario-reports")).resolve("screenshots");
        try (HeadlessChromium browser = new HeadlessChromium(Files.createTempDirectory("chromium-profile"))) {
            String balance = browser.open(webapp.url() + "/", "balance");
            browser.screenshot(shots.resolve("rbac-webapp.png"));
            JsonNode expected = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(Files.readString(lab.file("customer-service/nginx/html/api/customers/1001/balance.json")));
            assertThat(balance).contains("Available balance")
                    .contains(expected.path("available").asText() + " " + expected.path("currency").asText());

            String denial = browser.open(webapp2.url() + "/", "error");
            browser.screenshot(shots.resolve("rbac-webapp-2.png"));
            assertThat(denial).contains("Access denied by customer-service's policy").contains("RBAC: access denied");
        }
    }
}
