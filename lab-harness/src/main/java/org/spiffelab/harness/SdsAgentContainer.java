package org.spiffelab.harness;

/**
 * The Java sds-agent next to customer-service's Envoy: attested by SPIRE as customer-service (it fetches the SVIDs Envoy
 * will use), serving SDS on a socket in a volume that Envoy mounts where it would find SPIRE's.
 */
public final class SdsAgentContainer extends LabContainer<SdsAgentContainer> {

    private final String socket;

    public SdsAgentContainer(LabProperties lab, String image, String role, String workload, String spireSocketVolume,
                             String sdsSocketVolume, java.util.List<String> extraArgs) {
        super(image, role);
        this.socket = lab.get("SDS_AGENT_SOCKET");
        withLabel(lab.get("WORKLOAD_LABEL"), workload);
        withVolume(spireSocketVolume, lab.get("SPIRE_AGENT_SOCKET_DIR"), true);
        withVolume(sdsSocketVolume, lab.get("SDS_AGENT_SOCKET_DIR"), false);
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("run",
                "--workload-api-socket=unix:" + lab.get("SPIRE_AGENT_SOCKET"), "--sds-socket=" + socket));
        command.addAll(extraArgs);
        withCommand(command.toArray(String[]::new));
    }

    /** grpc.health.v1 over the SDS socket: SERVING once the agent holds an SVID. */
    public boolean healthy() {
        return isRunning() && exec("java", "-jar", "/opt/sds-agent/sds-agent.jar", "health", "--sds-socket=" + socket).getExitCode() == 0;
    }
}
