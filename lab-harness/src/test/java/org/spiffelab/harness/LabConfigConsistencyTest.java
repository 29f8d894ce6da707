package org.spiffelab.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Config files that cannot read lab.properties themselves (SPIRE's HCL, nginx.conf) must agree with it: this test
 * fails when they drift. Envoy configs are checked in customer-service's EnvoyConfigTest.
 */
class LabConfigConsistencyTest {

    static final LabProperties LAB = LabProperties.load();

    @Test
    void spireServerConfigMatches() throws IOException {
        String conf = Files.readString(LAB.file("docker/spire/server.conf"));
        assertEquals(LAB.get("TRUST_DOMAIN"), hcl(conf, "trust_domain"));
        assertEquals(LAB.get("SPIRE_SERVER_PORT"), hcl(conf, "bind_port", 0));
        assertEquals(LAB.get("SPIRE_HEALTH_PORT"), hcl(conf, "bind_port", 1));
        // A restart keeps the CA: signing keys and datastore both on the server's data_dir (its own volume).
        String dataDir = hcl(conf, "data_dir");
        assertEquals(SpireServerContainer.DATA_DIR, dataDir, "the harness mounts the server's volume at data_dir");
        assertTrue(conf.contains("KeyManager \"disk\""), "the server's CA keys must survive a restart");
        assertTrue(hcl(conf, "keys_path").startsWith(dataDir + "/"), "keys_path must be under data_dir " + dataDir);
        assertTrue(hcl(conf, "connection_string").startsWith(dataDir + "/"), "the datastore must be under data_dir " + dataDir);
    }

    @Test
    void kubernetesServerKeepsItsCaOnItsVolumeToo() throws IOException {
        String conf = Files.readString(LAB.file("k8s/base/config/server.conf"));
        String dataDir = hcl(conf, "data_dir");
        assertTrue(conf.contains("KeyManager \"disk\""), "the server's CA keys must survive a rescheduled pod");
        assertTrue(hcl(conf, "keys_path").startsWith(dataDir + "/"), "keys_path must be under data_dir " + dataDir);
    }

    @Test
    void spireAgentConfigMatches() throws IOException {
        String conf = Files.readString(LAB.file("docker/spire/agent.conf"));
        assertEquals(LAB.get("TRUST_DOMAIN"), hcl(conf, "trust_domain"));
        assertEquals(LAB.get("SPIRE_SERVER_PORT"), hcl(conf, "server_port"));
        assertEquals(LAB.get("SPIRE_AGENT_SOCKET"), hcl(conf, "socket_path"));
        assertEquals(LAB.get("SPIRE_HEALTH_PORT"), hcl(conf, "bind_port"));
        // The agent's own key sits with its SVID in data_dir, so a restart resumes without a new join token.
        assertTrue(conf.contains("KeyManager \"disk\""), "a restarted agent must find its own key");
        assertEquals(hcl(conf, "data_dir"), hcl(conf, "directory"), "the agent's key belongs in its data_dir volume");
        assertEquals(SpireAgentContainer.DATA_DIR, hcl(conf, "data_dir"), "the harness mounts the agent's volume at data_dir");
        assertTrue(conf.contains("WorkloadAttestor \"docker\""), "workloads are attested by container labels");
    }

    @Test
    void nginxListensOnThePodLoopbackOnly() throws IOException {
        String conf = Files.readString(LAB.file("customer-service/nginx/nginx.conf"));
        Matcher listen = Pattern.compile("(?m)^\\s*listen\\s+([^;]+);").matcher(conf);
        assertTrue(listen.find(), "nginx.conf has no listen directive");
        assertEquals("127.0.0.1:" + LAB.get("NGINX_PORT"), listen.group(1).strip());
        assertTrue(!listen.find(), "nginx must listen on exactly one address");
    }

    @Test
    void spiffeIdsShareTheTrustDomainAndTheKubernetesShape() {
        for (String key : new String[] {"CUSTOMER_SERVICE_ID", "WEBAPP_ID", "WEBAPP_2_ID"}) {
            assertTrue(LAB.get(key).matches("spiffe://" + Pattern.quote(LAB.get("TRUST_DOMAIN")) + "/ns/"
                    + Pattern.quote(LAB.get("NAMESPACE")) + "/sa/[a-z0-9-]+"), key + " = " + LAB.get(key));
        }
    }

    private static String hcl(String conf, String key) {
        return hcl(conf, key, 0);
    }

    private static String hcl(String conf, String key, int occurrence) {
        Matcher m = Pattern.compile("(?m)^\\s*" + key + "\\s*=\\s*\"([^\"]*)\"").matcher(conf);
        for (int i = 0; i <= occurrence; i++) {
            if (!m.find()) {
                throw new AssertionError(key + " #" + (occurrence + 1) + " not found");
            }
        }
        return m.group(1);
    }
}
