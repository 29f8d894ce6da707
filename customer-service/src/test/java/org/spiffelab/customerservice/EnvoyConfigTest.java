package org.spiffelab.customerservice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.spiffelab.harness.LabProperties;

/**
 * Every Envoy config of customer-service parses strictly as a v3 Bootstrap and agrees with lab.properties:
 * SDS names, the agent socket, ports. (The real binary validates them too: EnvoyValidateIT.)
 */
class EnvoyConfigTest {

    static final LabProperties LAB = LabProperties.load();

    static List<Path> configs() throws IOException {
        return EnvoyConfigs.all(LAB.root());
    }

    @Test
    void thereAreConfigsToCheck() throws IOException {
        assertThat(configs()).extracting(p -> p.getFileName().toString()).contains("envoy-x509.yaml");
    }

    @ParameterizedTest
    @MethodSource("configs")
    void tlsListenerRequiresClientCertificatesFromSpireSds(Path config) throws IOException {
        Bootstrap bootstrap = EnvoyConfigs.parse(Files.readString(config));
        Listener listener = bootstrap.getStaticResources().getListenersList().stream()
                .filter(l -> l.getAddress().getSocketAddress().getPortValue() == LAB.port("ENVOY_TLS_PORT"))
                .findFirst().orElseThrow(() -> new AssertionError(config + ": no listener on ENVOY_TLS_PORT"));
        for (FilterChain chain : listener.getFilterChainsList()) {
            DownstreamTlsContext tls = EnvoyConfigs.unpack(chain.getTransportSocket().getTypedConfig(), DownstreamTlsContext.class);
            assertThat(tls.getRequireClientCertificate().getValue()).as("require_client_certificate").isTrue();
            // A resumed session skips the client-certificate check (X509Contract proves none resumes on the wire).
            assertThat(tls.getDisableStatelessSessionResumption()).as("disable_stateless_session_resumption").isTrue();
            assertThat(tls.getDisableStatefulSessionResumption()).as("disable_stateful_session_resumption").isTrue();
            CommonTlsContext common = tls.getCommonTlsContext();
            assertThat(common.getTlsCertificateSdsSecretConfigsList()).extracting(SdsSecretConfig::getName)
                    .containsExactly(LAB.get("CUSTOMER_SERVICE_ID"));
            assertThat(common.getValidationContextSdsSecretConfig().getName()).isEqualTo(LAB.get("TRUST_DOMAIN_ID"));
            assertSdsFromCluster(common.getTlsCertificateSdsSecretConfigs(0), bootstrap);
            assertSdsFromCluster(common.getValidationContextSdsSecretConfig(), bootstrap);
        }
    }

    @ParameterizedTest
    @MethodSource("configs")
    void adminAndNginxStayOnThePodLoopback(Path config) throws IOException {
        Bootstrap bootstrap = EnvoyConfigs.parse(Files.readString(config));
        assertThat(bootstrap.getAdmin().getAddress().getSocketAddress().getAddress()).isEqualTo("127.0.0.1");
        assertThat(bootstrap.getAdmin().getAddress().getSocketAddress().getPortValue()).isEqualTo(LAB.port("ENVOY_ADMIN_PORT"));
        Cluster nginx = cluster(bootstrap, "nginx");
        var address = nginx.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress().getSocketAddress();
        assertThat(address.getAddress()).isEqualTo("127.0.0.1");
        assertThat(address.getPortValue()).isEqualTo(LAB.port("NGINX_PORT"));
    }

    static List<Path> everyConfig() throws IOException {
        return EnvoyConfigs.everywhere(LAB.root());
    }

    @ParameterizedTest
    @MethodSource("everyConfig")
    void everyConfigCapsDownstreamConnections(Path config) throws IOException {
        Bootstrap bootstrap = EnvoyConfigs.parse(Files.readString(config));
        var monitor = bootstrap.getOverloadManager().getResourceMonitorsList().stream()
                .filter(m -> m.getName().equals("envoy.resource_monitors.global_downstream_max_connections")).findFirst()
                .orElseThrow(() -> new AssertionError(config + ": no downstream connection limit (overload_manager)"));
        var limit = EnvoyConfigs.unpack(monitor.getTypedConfig(),
                io.envoyproxy.envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig.class);
        assertThat(limit.getMaxActiveDownstreamConnections()).isBetween(1L, 65_536L);
    }

    @ParameterizedTest
    @MethodSource("everyConfig")
    void everyConfigParsesStrictlyAndTalksToTheAgentSocket(Path config) throws IOException {
        Bootstrap bootstrap = EnvoyConfigs.parse(Files.readString(config));
        assertThat(cluster(bootstrap, "spire_agent").getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress()
                .getPipe().getPath()).isEqualTo(LAB.get("SPIRE_AGENT_SOCKET"));
    }

    @Test
    void webappsForwardProxyPinsCustomerServicesSpiffeId() throws IOException {
        Bootstrap bootstrap = EnvoyConfigs.parse(Files.readString(LAB.file("webapp/envoy/envoy-forward-jwt.yaml")));
        var tls = EnvoyConfigs.unpack(cluster(bootstrap, "customer_service").getTransportSocket().getTypedConfig(),
                io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext.class);
        var combined = tls.getCommonTlsContext().getCombinedValidationContext();
        assertThat(combined.getValidationContextSdsSecretConfig().getName()).isEqualTo(LAB.get("TRUST_DOMAIN_ID"));
        assertThat(combined.getDefaultValidationContext().getMatchTypedSubjectAltNamesList())
                .extracting(m -> m.getMatcher().getExact()).containsExactly(LAB.get("CUSTOMER_SERVICE_ID"));
        var listener = bootstrap.getStaticResources().getListeners(0).getAddress().getSocketAddress();
        assertThat(listener.getAddress()).as("only the pod may use webapp's identity").isEqualTo("127.0.0.1");
        assertThat(listener.getPortValue()).isEqualTo(LAB.port("WEBAPP_FORWARD_PORT"));
        var upstream = cluster(bootstrap, "customer_service").getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint()
                .getAddress().getSocketAddress();
        assertThat(upstream.getPortValue()).isEqualTo(LAB.port("ENVOY_TLS_PORT"));
    }

    @Test
    void jwtConfigDeniesWhenTheAuthorizerCannotBeAsked() throws IOException {
        Bootstrap bootstrap = EnvoyConfigs.parse(Files.readString(LAB.file("customer-service/envoy/envoy-jwt.yaml")));
        var manager = EnvoyConfigs.unpack(bootstrap.getStaticResources().getListeners(0).getFilterChains(0).getFilters(0).getTypedConfig(),
                io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.class);
        var authz = EnvoyConfigs.unpack(manager.getHttpFilters(0).getTypedConfig(),
                io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz.class);
        assertThat(authz.getFailureModeAllow()).isFalse();
        assertThat(authz.getGrpcService().getEnvoyGrpc().getClusterName()).isEqualTo("spire_agent");
    }

    @ParameterizedTest
    @MethodSource("everyConfig")
    void everySpiffeIdInTheConfigIsOneOfTheLabs(Path config) throws IOException {
        java.util.Set<String> known = new java.util.HashSet<>(LAB.all().values());
        java.util.regex.Matcher ids = java.util.regex.Pattern.compile("spiffe://[^\\s\"',}]+").matcher(Files.readString(config));
        int found = 0;
        while (ids.find()) {
            found++;
            assertThat(known).as("%s names %s", config.getFileName(), ids.group()).contains(ids.group());
        }
        if (config.startsWith(LAB.root().resolve("customer-service"))) {
            assertThat(found).isPositive();
        }
    }

    @Test
    void rbacAllowsOnlyWebappToGetTheApi() throws IOException {
        Bootstrap bootstrap = EnvoyConfigs.parse(Files.readString(LAB.file("customer-service/envoy/envoy-rbac.yaml")));
        var manager = EnvoyConfigs.unpack(bootstrap.getStaticResources().getListeners(0).getFilterChains(0).getFilters(0).getTypedConfig(),
                io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.class);
        var rbac = EnvoyConfigs.unpack(manager.getHttpFilters(0).getTypedConfig(), io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class);
        assertThat(rbac.getRules().getAction()).isEqualTo(io.envoyproxy.envoy.config.rbac.v3.RBAC.Action.ALLOW);
        assertThat(rbac.getRules().getPoliciesMap().values()).flatExtracting(p -> p.getPrincipalsList())
                .extracting(p -> p.getAuthenticated().getPrincipalName().getExact())
                .containsExactly(LAB.get("WEBAPP_ID"));
        assertThat(manager.getHttpFiltersList()).extracting(f -> f.getName())
                .as("RBAC must run before the router").containsExactly("envoy.filters.http.rbac", "envoy.filters.http.router");
    }

    @Test
    void strictParsingRejectsAnUnknownField() throws IOException {
        String config = Files.readString(LAB.file("customer-service/envoy/envoy-x509.yaml"))
                .replace("require_client_certificate: true", "require_client_certificates: true");
        assertThatThrownBy(() -> EnvoyConfigs.parse(config)).isInstanceOf(IOException.class)
                .hasMessageContaining("require_client_certificates");
    }

    private static void assertSdsFromCluster(SdsSecretConfig sds, Bootstrap bootstrap) {
        String clusterName = sds.getSdsConfig().getApiConfigSource().getGrpcServices(0).getEnvoyGrpc().getClusterName();
        Cluster cluster = cluster(bootstrap, clusterName);
        assertThat(cluster.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress().getPipe().getPath())
                .as("SDS cluster %s talks to the agent socket", clusterName)
                .isEqualTo(LAB.get("SPIRE_AGENT_SOCKET"));
        // a restarted SDS server must be reconnected within a second, before short-lived SVIDs run out (scenario sds-agent)
        var backOff = sds.getSdsConfig().getApiConfigSource().getGrpcServices(0).getRetryPolicy().getRetryBackOff();
        assertThat(backOff.getMaxInterval().getSeconds() * 1000 + backOff.getMaxInterval().getNanos() / 1_000_000)
                .as("SDS reconnect backoff cap (ms) of %s", sds.getName()).isBetween(1L, 1000L);
    }

    private static Cluster cluster(Bootstrap bootstrap, String name) {
        return bootstrap.getStaticResources().getClustersList().stream().filter(c -> c.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no cluster " + name));
    }
}
