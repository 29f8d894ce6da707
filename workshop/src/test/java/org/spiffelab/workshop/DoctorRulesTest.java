package org.spiffelab.workshop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The small rules doctor and check rely on: permissions, selectors, typos, Envoy's admin JSON. */
class DoctorRulesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aFolderClosedToOthersKeepsANonRootWorkloadOut() {
        Doctor.FileMode closed = Doctor.FileMode.parse("700 0 0");
        Doctor.FileMode open = Doctor.FileMode.parse("755 0 0");
        assertThat(closed.allows(10001, 10001, 1)).isFalse();
        assertThat(closed.allows(0, 0, 1)).isTrue();
        assertThat(open.allows(10001, 10001, 1)).isTrue();
        assertThat(Doctor.FileMode.parse("770 0 10001").allows(10001, 10001, 1)).as("group member").isTrue();
        assertThat(Doctor.FileMode.parse("755 0 0").allows(10001, 10001, 2)).as("no write for others").isFalse();
        assertThat(closed).hasToString("0700 0:0");
    }

    @Test
    void anEntrySelectsAContainerOnlyWhenEveryDockerLabelMatches() {
        SpireEntry entry = new SpireEntry("id", "spiffe://example.org/x", "spiffe://example.org/node",
                List.of("docker:label:org.spiffelab.workload:customer-service"), List.of(), 0);
        assertThat(entry.selects(Map.of("org.spiffelab.workload", "customer-service"))).isTrue();
        assertThat(entry.selects(Map.of("org.spiffelab.workload", "customer-svc"))).isFalse();
        assertThat(entry.selects(Map.of())).isFalse();
        SpireEntry unix = new SpireEntry("id", "spiffe://example.org/x", "p", List.of("unix:uid:0"), List.of(), 0);
        assertThat(unix.selects(Map.of("org.spiffelab.workload", "customer-service"))).isFalse();
    }

    @Test
    void spireCliJsonIsParsed() throws Exception {
        var json = JSON.readTree("""
                {"entries":[{"id":"e1","spiffe_id":{"trust_domain":"example.org","path":"/ns/demo/sa/webapp"},
                  "parent_id":{"trust_domain":"example.org","path":"/node/docker-host"},
                  "selectors":[{"type":"docker","value":"label:org.spiffelab.workload:webapp"}],"x509_svid_ttl":3600,
                  "dns_names":["webapp"]}]}""");
        assertThat(SpireEntry.parse(json)).containsExactly(new SpireEntry("e1", "spiffe://example.org/ns/demo/sa/webapp",
                "spiffe://example.org/node/docker-host", List.of("docker:label:org.spiffelab.workload:webapp"), List.of("webapp"), 3600));
    }

    @Test
    void aTypoIsSpottedAndADifferentIdIsNot() {
        String webapp = "spiffe://example.org/ns/demo/sa/webapp";
        assertThat(Names.didYouMean(webapp, List.of("spiffe://example.org/ns/demo/sa/webap"))).contains("1 character away");
        assertThat(Names.didYouMean(webapp, List.of("spiffe://example.org/ns/demo/sa/customer-service"))).isEmpty();
        assertThat(Names.didYouMean(webapp, List.of(webapp))).isEmpty();
        assertThat(Names.distance("kitten", "sitting")).isEqualTo(3);
    }

    @Test
    void envoyAdminJsonIsRead() throws Exception {
        var configDump = JSON.readTree("""
                {"configs":[{"static_listeners":[{"listener":{"filter_chains":[{"transport_socket":{"typed_config":{
                  "common_tls_context":{"tls_certificate_sds_secret_configs":[{"name":"spiffe://example.org/ns/demo/sa/customer-service"}],
                  "validation_context_sds_secret_config":{"name":"spiffe://example.org"}}}},
                  "filters":[{"typed_config":{"http_filters":[
                    {"name":"envoy.filters.http.rbac","typed_config":{"rules":{"policies":{"p":{"principals":[
                      {"authenticated":{"principal_name":{"exact":"spiffe://example.org/ns/demo/sa/webapp"}}}]}}}}},
                    {"name":"envoy.filters.http.router"}]}}]}]}}]}]}""");
        var certs = JSON.readTree("""
                {"certificates":[{"ca_cert":[{"serial_number":"0a1b"}],"cert_chain":[{"serial_number":"ff",
                  "subject_alt_names":[{"uri":"spiffe://example.org/ns/demo/sa/customer-service"}],"expiration_time":"2026-11-25T19:00:00Z"}]}]}""");
        EnvoyView view = new EnvoyView(configDump, certs, Map.of("server.state", 0L, "listener_manager.workers_started", 1L));
        assertThat(view.certificateSecretNames()).containsExactly("spiffe://example.org/ns/demo/sa/customer-service");
        assertThat(view.validationSecretNames()).containsExactly("spiffe://example.org");
        assertThat(view.runsBeforeRouter(EnvoyView.RBAC)).isTrue();
        assertThat(view.runsBeforeRouter(EnvoyView.EXT_AUTHZ)).isFalse();
        assertThat(view.rbacPrincipals()).containsExactly("spiffe://example.org/ns/demo/sa/webapp");
        assertThat(view.listenerActive()).isTrue();
        assertThat(view.certificateId()).isEqualTo("spiffe://example.org/ns/demo/sa/customer-service");
        assertThat(view.caSerials()).containsExactly(new java.math.BigInteger("0a1b", 16));
        assertThat(view.certificateExpiry()).isEqualTo(java.time.Instant.parse("2026-11-25T19:00:00Z"));
    }
}
