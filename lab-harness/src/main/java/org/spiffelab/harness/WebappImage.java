package org.spiffelab.harness;

import java.nio.file.Files;
import java.nio.file.Path;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * Builds the webapp image from docker/webapp/Dockerfile and the packaged module (webapp/target), once per JVM.
 */
public final class WebappImage {

    private static String built;

    private WebappImage() {
    }

    public static synchronized String build(LabProperties lab, LabImages images) {
        if (built != null) {
            return built;
        }
        Path target = lab.root().resolve("webapp/target");
        if (!Files.isRegularFile(target.resolve("webapp.jar")) || !Files.isDirectory(target.resolve("lib"))) {
            throw new IllegalStateException("webapp/target/webapp.jar not found: build it first (mvn -pl webapp -am package -DskipTests)");
        }
        ImageFromDockerfile image = new ImageFromDockerfile(images.webapp(), false)
                .withFileFromPath("Dockerfile", lab.file("docker/webapp/Dockerfile"))
                .withFileFromPath("target/webapp.jar", target.resolve("webapp.jar"))
                .withFileFromPath("target/lib", target.resolve("lib"))
                .withBuildArg("JRE_IMAGE", images.jre());
        built = image.get();
        return built;
    }
}
