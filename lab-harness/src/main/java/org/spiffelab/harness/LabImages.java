package org.spiffelab.harness;

import java.util.Locale;

/**
 * Which images the harness runs: {@code local} (built offline by scripts/toolchain.sh, the default) or
 * {@code official} (pulled from registries), from env {@code LAB_IMAGES} or system property {@code lab.images}.
 */
public final class LabImages {

    private final LabProperties lab;
    private final String mode;

    public LabImages(LabProperties lab, String mode) {
        this.lab = lab;
        this.mode = mode.toLowerCase(Locale.ROOT);
        if (!this.mode.equals("local") && !this.mode.equals("official")) {
            throw new IllegalArgumentException("LAB_IMAGES must be 'local' or 'official', not '" + mode + "'");
        }
    }

    public static LabImages fromEnvironment(LabProperties lab) {
        String mode = System.getProperty("lab.images", System.getenv().getOrDefault("LAB_IMAGES", "local"));
        return new LabImages(lab, mode);
    }

    private String image(String component) {
        return lab.get((mode.equals("local") ? "LOCAL_" : "OFFICIAL_") + component + "_IMAGE");
    }

    public String mode() {
        return mode;
    }

    public String spireServer() {
        return image("SPIRE_SERVER");
    }

    public String spireAgent() {
        return image("SPIRE_AGENT");
    }

    public String envoy() {
        return image("ENVOY");
    }

    public String nginx() {
        return image("NGINX");
    }

    public String jre() {
        return image("JRE");
    }

    public String webapp() {
        return lab.get("WEBAPP_IMAGE");
    }

    public String toolbox() {
        return lab.get("TOOLBOX_IMAGE");
    }
}
