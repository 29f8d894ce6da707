package org.spiffelab.harness;

import java.util.Map;

/**
 * The webapp (Jetty, java-spiffe), attested as {@code workload}; its page is published on the Docker host.
 */
public final class WebappContainer extends LabContainer<WebappContainer> {

    public static final int PORT = 8080;

    public WebappContainer(LabProperties lab, String image, String instance, String workload, String socketVolume,
                           Map<String, String> env) {
        super(image, instance);
        withLabel(lab.get("WORKLOAD_LABEL"), workload);
        withVolume(socketVolume, lab.get("SPIRE_AGENT_SOCKET_DIR"), true);
        withEnv("SPIFFE_ENDPOINT_SOCKET", "unix:" + lab.get("SPIRE_AGENT_SOCKET"));
        withEnv("CUSTOMER_SERVICE_URL", "https://" + CustomerServicePod.HOSTNAME + ":" + lab.get("ENVOY_TLS_PORT"));
        withEnv("CUSTOMER_SERVICE_ID", lab.get("CUSTOMER_SERVICE_ID"));
        withEnv("PORT", Integer.toString(PORT));
        withEnv("TITLE", instance);
        withEnv(env);
        withExposedPorts(PORT);
    }

    /** The portal's base URL on the Docker host, e.g. http://localhost:32781. */
    public String url() {
        // Inspected each time: a restarted container can get another host port.
        return "http://" + getHost() + ":" + currentMappedPort(PORT);
    }
}
