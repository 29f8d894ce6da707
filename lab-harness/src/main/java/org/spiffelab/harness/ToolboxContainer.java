package org.spiffelab.harness;

import org.testcontainers.containers.Container.ExecResult;

/**
 * curl, openssl and the spire-agent CLI. As a labelled workload it fetches its SVID from the Workload API like any
 * application would; as a pod member it probes the pod's loopback (Envoy admin, nginx).
 */
public final class ToolboxContainer extends LabContainer<ToolboxContainer> {

    /** tmpfs: fetched keys stay in memory. */
    static final String SVID_DIR = "/dev/shm/svid";

    private final String socket;

    public ToolboxContainer(LabProperties lab, LabImages images, String role) {
        super(images.toolbox(), role);
        this.socket = lab.get("SPIRE_AGENT_SOCKET");
        withCommand("sleep", "infinity");
    }

    /** Attested as {@code workload}, with the agent socket mounted read-only. */
    public ToolboxContainer asWorkload(LabProperties lab, String workload, String socketVolume) {
        withLabel(lab.get("WORKLOAD_LABEL"), workload);
        return withVolume(socketVolume, lab.get("SPIRE_AGENT_SOCKET_DIR"), true);
    }

    /** Fetches this container's X.509-SVID from the Workload API into tmpfs. */
    public ExecResult fetchX509Svid() {
        exec("mkdir", "-p", SVID_DIR);
        return exec("spire-agent", "api", "fetch", "x509", "-socketPath", socket, "-timeout", "10s", "-write", SVID_DIR);
    }

    /** A JWT-SVID for {@code audience} from the Workload API (the CLI prints it under a "token(<spiffe id>):" line). */
    public String fetchJwtSvid(String audience) {
        String out = execOrFail("spire-agent", "api", "fetch", "jwt", "-audience", audience, "-socketPath", socket);
        String[] lines = out.split("\n");
        for (int i = 0; i < lines.length - 1; i++) {
            if (lines[i].startsWith("token(")) {
                return lines[i + 1].strip();
            }
        }
        throw new IllegalStateException("no JWT-SVID in the output of spire-agent api fetch jwt: " + out);
    }

    /** The fetched SVID, its key and the bundle, as PEM (after a successful {@link #fetchX509Svid()}). */
    public SvidPem svidPem() {
        return new SvidPem(
                execOrFail("cat", SVID_DIR + "/svid.0.pem"),
                execOrFail("cat", SVID_DIR + "/svid.0.key"),
                execOrFail("cat", SVID_DIR + "/bundle.0.pem"));
    }

    /** curl with the fetched SVID as client certificate; prints the body, then the status code on the last line. */
    public ExecResult curlWithSvid(String url, String... extra) {
        String[] base = {"curl", "-sS", "--max-time", "10", "--cert", SVID_DIR + "/svid.0.pem", "--key", SVID_DIR + "/svid.0.key",
            "--cacert", SVID_DIR + "/bundle.0.pem", "-w", "\n%{http_code}"};
        return exec(concat(base, extra, url));
    }

    /** Plain curl: prints the body, then the status code on the last line. */
    public ExecResult curl(String url, String... extra) {
        return exec(concat(new String[] {"curl", "-sS", "--max-time", "10", "-w", "\n%{http_code}"}, extra, url));
    }

    private static String[] concat(String[] base, String[] extra, String last) {
        String[] all = new String[base.length + extra.length + 1];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        all[all.length - 1] = last;
        return all;
    }
}
