package org.spiffelab.customerservice;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.spiffelab.harness.LabImages;
import org.spiffelab.harness.LabProperties;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/** The authoritative check: the pinned Envoy binary itself accepts each config ({@code envoy --mode validate}). */
class EnvoyValidateIT {

    static final LabProperties LAB = LabProperties.load();

    static List<Path> configs() throws IOException {
        return EnvoyConfigs.everywhere(LAB.root());
    }

    @ParameterizedTest
    @MethodSource("configs")
    void envoyAcceptsTheConfig(Path config) {
        String image = LabImages.fromEnvironment(LAB).envoy();
        try (GenericContainer<?> envoy = new GenericContainer<>(DockerImageName.parse(image))
                .withCopyFileToContainer(MountableFile.forHostPath(config, 0644), "/etc/envoy/envoy.yaml")
                .withCommand("envoy", "--mode", "validate", "-c", "/etc/envoy/envoy.yaml")
                .withStartupCheckStrategy(new OneShotStartupCheckStrategy().withTimeout(Duration.ofSeconds(60)))) {
            try {
                envoy.start();
            } catch (RuntimeException e) {
                throw new AssertionError("envoy --mode validate rejected " + config + ":\n" + envoy.getLogs(), e);
            }
            assertThat(envoy.getLogs()).contains("configuration '/etc/envoy/envoy.yaml' OK");
        }
    }
}
