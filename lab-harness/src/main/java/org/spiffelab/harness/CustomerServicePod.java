package org.spiffelab.harness;

import org.testcontainers.containers.Network;
import org.testcontainers.utility.MountableFile;

/**
 * customer-service's nginx, which owns the "pod" network namespace: Envoy and probes join it with
 * {@code --network container:<id>}, as containers of one Kubernetes pod share localhost. The pod's only
 * published port is Envoy's TLS listener; nginx listens on the pod's loopback.
 */
public final class CustomerServicePod extends LabContainer<CustomerServicePod> {

    public static final String HOSTNAME = "customer-service";
    static final String HTML = "/usr/share/customer-service/html";

    private final int tlsPort;

    public CustomerServicePod(LabProperties lab, LabImages images, Network network) {
        super(images.nginx(), "nginx");
        this.tlsPort = lab.port("ENVOY_TLS_PORT");
        withNetwork(network);
        withNetworkAliases(HOSTNAME);
        withExposedPorts(tlsPort);
        withCopyFileToContainer(MountableFile.forHostPath(lab.file("customer-service/nginx/nginx.conf")), "/etc/nginx/nginx.conf");
        withCopyFileToContainer(MountableFile.forHostPath(lab.file("customer-service/nginx/html")), HTML);
        withCommand("nginx", "-g", "daemon off;");
    }

    /** Envoy's TLS port as published on the Docker host. */
    public int publishedTlsPort() {
        return getMappedPort(tlsPort);
    }

    /** Makes another container a member of this pod (shares its network namespace). */
    public void adopt(LabContainer<?> member) {
        member.withNetworkMode("container:" + getContainerId());
    }
}
