package org.spiffelab.sds.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentConfigLoaderTest {

    @TempDir
    Path dir;

    @Test
    void defaultsMatchTheSpireAgentsNamesAndASafeSocketMode() {
        AgentConfig config = AgentConfigLoader.load(List.of(), Map.of());
        assertThat(config.aliases().defaultSvid()).isEqualTo("default");
        assertThat(config.aliases().ownBundle()).isEqualTo("ROOTCA");
        assertThat(config.aliases().allBundles()).isEqualTo("ALL");
        assertThat(PosixFilePermissions.toString(config.sdsSocketMode())).isEqualTo("rw-rw----");
        assertThat(config.workloadApiSocket()).isEqualTo("unix:/run/spire/sockets/agent.sock");
    }

    @Test
    void flagsBeatEnvironmentWhichBeatsTheFile() throws Exception {
        Path file = Files.writeString(dir.resolve("sds-agent.yaml"), "sds_socket: /run/a/sds.sock\nlog_level: warn\ndefault_svid_name: mine\n");
        AgentConfig config = AgentConfigLoader.load(List.of("--config=" + file, "--log-level=debug"),
                Map.of("SDS_AGENT_SDS_SOCKET", "/run/b/sds.sock", "SDS_AGENT_LOG_LEVEL", "error",
                        "SPIFFE_ENDPOINT_SOCKET", "unix:/tmp/agent.sock"));
        assertThat(config.sdsSocket()).isEqualTo(Path.of("/run/b/sds.sock"));
        assertThat(config.logLevel()).isEqualTo("debug");
        assertThat(config.aliases().defaultSvid()).isEqualTo("mine");
        assertThat(config.workloadApiSocket()).isEqualTo("unix:/tmp/agent.sock");
    }

    @Test
    void invalidSettingsNameTheirField() throws Exception {
        Path unknown = Files.writeString(dir.resolve("a.yaml"), "sds_sockte: /x\n");
        assertThatThrownBy(() -> AgentConfigLoader.load(List.of("--config=" + unknown), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("sds_sockte").hasMessageContaining("known fields");
        assertThatThrownBy(() -> load("--sds-socket-mode=0666")).hasMessageContaining("world-writable");
        assertThatThrownBy(() -> load("--sds-socket-mode=rw")).hasMessageContaining("sds_socket_mode");
        assertThatThrownBy(() -> load("--sds-socket=relative.sock")).hasMessageContaining("sds_socket");
        assertThatThrownBy(() -> load("--workload-api-socket=/run/agent.sock")).hasMessageContaining("workload_api_socket");
        assertThatThrownBy(() -> load("--log-level=loud")).hasMessageContaining("log_level");
        assertThatThrownBy(() -> load("--tcp-address=0.0.0.0:7000")).hasMessageContaining("loopback");
        assertThatThrownBy(() -> load("--tcp-address=10.1.2.3:7000")).hasMessageContaining("loopback");
        assertThatThrownBy(() -> load("--allowed-uids=101,envoy")).hasMessageContaining("allowed_uids").hasMessageContaining("envoy");
        assertThatThrownBy(() -> load("--allowed-gids=-1")).hasMessageContaining("allowed_gids");
        assertThatThrownBy(() -> load("--disable-spiffe-cert-validation=maybe")).hasMessageContaining("disable_spiffe_cert_validation");
        assertThatThrownBy(() -> load("--frobnicate=1")).hasMessageContaining("--frobnicate");
        Path list = Files.writeString(dir.resolve("b.yaml"), "- a\n- b\n");
        assertThatThrownBy(() -> AgentConfigLoader.load(List.of("--config=" + list), Map.of())).hasMessageContaining("mapping");
    }

    @Test
    void spireSettingsItAcceptsToo() {
        // SPIRE lets the own-bundle and all-bundles aliases be equal (the own bundle wins); so does sds-agent.
        assertThat(load("--default-bundle-name=ALL").aliases().ownBundle()).isEqualTo("ALL");
        assertThat(load("--tcp-address=127.0.0.1:7000").tcpAddress()).isEqualTo("127.0.0.1:7000");
        assertThat(load("--tcp-address=[::1]:7000").tcpAddress()).isEqualTo("[::1]:7000");
        assertThat(AgentConfigLoader.load(List.of(), Map.of("SDS_AGENT_ALLOWED_UIDS", "101, 0")).allowedUids()).containsExactlyInAnyOrder(101, 0);
        assertThat(load("--allowed-gids=").allowedGids()).isEmpty();
    }

    private static AgentConfig load(String flag) {
        return AgentConfigLoader.load(List.of(flag), Map.of());
    }
}
