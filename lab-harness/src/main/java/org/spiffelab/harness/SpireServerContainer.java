package org.spiffelab.harness;

import java.util.ArrayList;
import java.util.List;
import org.testcontainers.utility.MountableFile;

/**
 * The SPIRE server: registration entries, join tokens and the trust bundle, all through its CLI. Its data_dir (the
 * sqlite datastore and the CA's signing keys) is a named volume of its own, so a restarted server keeps the trust
 * domain's CA.
 */
public final class SpireServerContainer extends LabContainer<SpireServerContainer> {

    static final String BIN = "/opt/spire/bin/spire-server";
    static final String CONFIG = "/etc/spire/server/server.conf";
    /** docker/spire/server.conf's data_dir (LabConfigConsistencyTest keeps them equal). */
    public static final String DATA_DIR = "/var/lib/spire/server";

    public SpireServerContainer(LabProperties lab, LabImages images, String dataVolume) {
        super(images.spireServer(), "spire-server");
        withCopyFileToContainer(MountableFile.forHostPath(lab.file("docker/spire/server.conf")), CONFIG);
        withVolume(dataVolume, DATA_DIR, false);
        withDockerHealthCheck(BIN, "healthcheck");
        withCommand("-config", CONFIG);
    }

    public boolean healthy() {
        return isRunning() && exec(BIN, "healthcheck").getExitCode() == 0;
    }

    /** The trust bundle (CA certificates) in PEM, handed to agents before they start. */
    public String bundlePem() {
        return execOrFail(BIN, "bundle", "show", "-format", "pem");
    }

    /** A one-time join token for an agent, aliased to {@code nodeId} so entries can name it as their parent. */
    public String generateJoinToken(String nodeId) {
        String out = execOrFail(BIN, "token", "generate", "-spiffeID", nodeId, "-ttl", "600");
        // "Token: <uuid>"
        return out.strip().replaceFirst("^Token:\\s*", "");
    }

    public void createEntry(Registration registration, String parentId) {
        List<String> cmd = new ArrayList<>(List.of(BIN, "entry", "create",
                "-parentID", parentId, "-spiffeID", registration.spiffeId()));
        for (String selector : registration.selectors()) {
            cmd.add("-selector");
            cmd.add(selector);
        }
        for (String dns : registration.dnsNames()) {
            cmd.add("-dns");
            cmd.add(dns);
        }
        if (registration.x509SvidTtlSeconds() > 0) {
            cmd.add("-x509SVIDTTL");
            cmd.add(Integer.toString(registration.x509SvidTtlSeconds()));
        }
        if (registration.jwtSvidTtlSeconds() > 0) {
            cmd.add("-jwtSVIDTTL");
            cmd.add(Integer.toString(registration.jwtSvidTtlSeconds()));
        }
        execOrFail(cmd.toArray(String[]::new));
    }

    public String entryShow() {
        return execOrFail(BIN, "entry", "show");
    }
}
