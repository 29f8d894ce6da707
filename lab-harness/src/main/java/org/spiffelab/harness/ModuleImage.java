package org.spiffelab.harness;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * Builds the image of one of the lab's Java modules from docker/&lt;module&gt;/Dockerfile and the packaged module
 * (&lt;module&gt;/target/&lt;module&gt;.jar and lib/), once per JVM. The tag carries a digest of the packaged module, so
 * runs from different checkouts on one Docker engine never start each other's build under a shared tag.
 */
public final class ModuleImage {

    private static final Map<String, String> BUILT = new HashMap<>();

    private ModuleImage() {
    }

    public static String webapp(LabProperties lab, LabImages images) {
        return build(lab, images, "webapp", images.webapp());
    }

    public static String sdsAgent(LabProperties lab, LabImages images) {
        return build(lab, images, "sds-agent", lab.get("SDS_AGENT_IMAGE"));
    }

    private static synchronized String build(LabProperties lab, LabImages images, String module, String name) {
        return BUILT.computeIfAbsent(module, m -> {
            Path target = lab.root().resolve(m + "/target");
            if (!Files.isRegularFile(target.resolve(m + ".jar")) || !Files.isDirectory(target.resolve("lib"))) {
                throw new IllegalStateException(m + "/target/" + m + ".jar not found: build it first (mvn -pl " + m
                        + " -am package -DskipTests)");
            }
            String built = new ImageFromDockerfile(name + "-" + digest(target, m), false)
                    .withFileFromPath("Dockerfile", lab.file("docker/" + m + "/Dockerfile"))
                    .withFileFromPath("target/" + m + ".jar", target.resolve(m + ".jar"))
                    .withFileFromPath("target/lib", target.resolve("lib"))
                    .withBuildArg("JRE_IMAGE", images.jre())
                    .get();
            // Also under lab.properties' own name: the Kubernetes manifests and scripts/cluster.sh import that one.
            int colon = name.lastIndexOf(':');
            DockerClientFactory.instance().client().tagImageCmd(built, name.substring(0, colon), name.substring(colon + 1))
                    .withForce().exec();
            return built;
        });
    }

    /** 12 hex digits of SHA-256 over the module jar and the names and sizes of its libraries. */
    private static String digest(Path target, String module) {
        try (var libs = Files.list(target.resolve("lib"))) {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            sha.update(Files.readAllBytes(target.resolve(module + ".jar")));
            for (Path lib : libs.sorted().toList()) {
                sha.update((lib.getFileName() + ":" + Files.size(lib) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            return java.util.HexFormat.of().formatHex(sha.digest()).substring(0, 12);
        } catch (java.io.IOException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot digest " + target, e);
        }
    }
}
