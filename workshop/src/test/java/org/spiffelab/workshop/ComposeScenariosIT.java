package org.spiffelab.workshop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.spiffelab.harness.LabProperties;

/**
 * docker/compose.yaml runs every scenario: each is brought up once through scripts/compose.sh (its own project name and
 * free ports, so it never meets a running demo), and both pages say what the scenario promises.
 */
@Execution(ExecutionMode.CONCURRENT) // beside WorkshopIT: other containers, other ports; its scenarios one at a time
class ComposeScenariosIT {

    private static final LabProperties LAB = LabProperties.load();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @ParameterizedTest(name = "compose {0}")
    @Execution(ExecutionMode.SAME_THREAD)
    @ValueSource(strings = {"x509", "rbac", "sds-agent", "jwt"})
    void everyScenarioComesUpAndItsPagesSayWhatItShows(String scenario) throws Exception {
        int webapp = freePort();
        int webapp2 = freePort();
        Map<String, String> env = Map.of("LAB_SCENARIO", scenario, "LAB_COMPOSE_PROJECT", "compose-it-" + UUID.randomUUID().toString().substring(0, 6),
                "WEBAPP_HOST_PORT", Integer.toString(webapp), "WEBAPP_2_HOST_PORT", Integer.toString(webapp2),
                "ENVOY_HOST_PORT", Integer.toString(freePort()));
        try {
            compose(env, "up", "-d", "--build");
            await(scenario + ": webapp shows the balance").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(3))
                    .ignoreExceptions().until(() -> portal(webapp).path("result").has("balance"));
            JsonNode second = await(scenario + ": webapp-2 answers").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(3))
                    .ignoreExceptions().until(() -> portal(webapp2).path("result"), r -> r.has("balance") || r.path("status").asInt() == 403);
            switch (scenario) {
                case "rbac" -> assertThat(second.path("body").asText()).contains("RBAC: access denied");
                case "jwt" -> {
                    assertThat(second.path("body").asText()).contains(LAB.get("WEBAPP_2_ID") + " is not allowed");
                    assertThat(portal(webapp).path("result").path("authorizedSubject").asText()).isEqualTo(LAB.get("WEBAPP_ID"));
                }
                default -> assertThat(second.has("balance")).as("no policy in %s: webapp-2 gets the data too", scenario).isTrue();
            }
            assertThat(page(webapp)).contains("Ada Lovelace");
        } finally {
            compose(env, "down", "-v");
        }
    }

    private static void compose(Map<String, String> env, String... args) throws IOException, InterruptedException {
        String[] command = new String[args.length + 2];
        command[0] = "bash";
        command[1] = LAB.file("scripts/compose.sh").toString();
        System.arraycopy(args, 0, command, 2, args.length);
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        builder.environment().putAll(env);
        int exit = builder.start().waitFor();
        assertThat(exit).as("scripts/compose.sh " + String.join(" ", args)).isZero();
    }

    private static JsonNode portal(int port) throws Exception {
        return LiveStack.json(page(port, "/api/portal"));
    }

    private static String page(int port) throws Exception {
        return page(port, "/");
    }

    private static String page(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
