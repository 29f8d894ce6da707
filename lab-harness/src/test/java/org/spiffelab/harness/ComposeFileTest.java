package org.spiffelab.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docker/compose.yaml takes every version, image, ID and port from lab.properties (via scripts/compose.sh). */
class ComposeFileTest {

    static final LabProperties LAB = LabProperties.load();
    /** What scripts/compose.sh exports besides lab.properties' own keys: the images of the chosen LAB_IMAGES mode. */
    static final Set<String> EXPORTED = Set.of("SPIRE_SERVER_IMAGE", "SPIRE_AGENT_IMAGE", "ENVOY_IMAGE", "NGINX_IMAGE", "JRE_IMAGE");
    /** ...and the scenario switch's variables. */
    static final Set<String> SCENARIO_SWITCH = Set.of("ENVOY_CONFIG", "ENVOY_SDS_VOLUME", "WEBAPP_UPSTREAM", "WEBAPP_HOST_PORT",
            "WEBAPP_2_HOST_PORT", "ENVOY_HOST_PORT");

    @Test
    void everyVariableComesFromLabPropertiesOrComposeSh() throws IOException {
        String compose = Files.readString(LAB.file("docker/compose.yaml"));
        String script = Files.readString(LAB.file("scripts/compose.sh"));
        Set<String> used = new TreeSet<>();
        Matcher m = Pattern.compile("\\$\\{([A-Z0-9_]+)}").matcher(compose);
        while (m.find()) {
            used.add(m.group(1));
        }
        for (String variable : used) {
            assertTrue(LAB.all().containsKey(variable) || EXPORTED.contains(variable) || SCENARIO_SWITCH.contains(variable),
                    "compose.yaml uses unknown ${" + variable + "}");
        }
        for (String exported : EXPORTED) {
            assertTrue(script.contains(exported + "=$(image_for "), "scripts/compose.sh must export " + exported);
        }
    }

    @Test
    void noLiteralIdentityVersionOrImage() throws IOException {
        String compose = Files.readString(LAB.file("docker/compose.yaml"));
        assertFalse(compose.contains("spiffe://"), "SPIFFE IDs come from lab.properties");
        Matcher images = Pattern.compile("(?m)^\\s*image:\\s*(\\S+)").matcher(compose);
        while (images.find()) {
            assertTrue(images.group(1).startsWith("${"), "literal image " + images.group(1));
        }
        assertFalse(compose.contains(LAB.get("SPIRE_VERSION")) || compose.contains(LAB.get("ENVOY_VERSION")), "literal version");
    }

    @Test
    void composeRunsEveryScenarioWithTheHarnesssConfigs() throws IOException {
        String compose = Files.readString(LAB.file("docker/compose.yaml"));
        String script = Files.readString(LAB.file("scripts/compose.sh"));
        assertTrue(compose.contains("../${ENVOY_CONFIG}:/etc/envoy/envoy.yaml"));
        for (String scenario : StackSpec.names(LAB)) {
            Matcher line = Pattern.compile("(?m)^\\s*" + Pattern.quote(scenario) + "\\) ENVOY_CONFIG=(\\S+) ?;").matcher(script);
            assertTrue(line.find(), "scripts/compose.sh has no case for scenario " + scenario);
            assertEquals(StackSpec.byName(LAB, scenario).envoyConfig(), line.group(1), "scenario " + scenario + "'s Envoy config");
        }
        assertTrue(compose.contains("./spire/registrations.txt"));
        assertTrue(compose.contains("../webapp/envoy/envoy-forward-jwt.yaml"), "jwt: the webapp pods' forward Envoy");
        long labelled = Pattern.compile("\\$\\{WORKLOAD_LABEL}=").matcher(compose).results().count();
        assertEquals(7, labelled, "envoy, the sds-agents and the webapps are attested by the workload label");
        assertFalse(Pattern.compile("(?m)^\\s*ports: \\[\"\\$").matcher(compose).find(), "ports only on 127.0.0.1");
    }
}
