package org.spiffelab.sds.workload;

import io.spiffe.exception.SocketEndpointAddressException;
import io.spiffe.workloadapi.DefaultWorkloadApiClient;
import io.spiffe.workloadapi.WorkloadApiClient;

/** Makes java-spiffe Workload API clients for one address. */
public final class WorkloadApi {

    private WorkloadApi() {
    }

    public static WorkloadApiClient client(String address) {
        try {
            return DefaultWorkloadApiClient.newClient(DefaultWorkloadApiClient.ClientOptions.builder().spiffeSocketPath(address).build());
        } catch (SocketEndpointAddressException e) {
            throw new IllegalArgumentException("invalid Workload API address " + address + ": " + e.getMessage(), e);
        }
    }
}
