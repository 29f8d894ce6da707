package org.spiffelab.sds.workload;

import io.spiffe.exception.SocketEndpointAddressException;
import io.spiffe.workloadapi.DefaultWorkloadApiClient;
import io.spiffe.workloadapi.WorkloadApiClient;
import io.spiffe.workloadapi.retry.ExponentialBackoffPolicy;
import java.time.Duration;

/** Makes java-spiffe Workload API clients for one address, with java-spiffe's own reconnect backoff. */
public final class WorkloadApi {

    /**
     * java-spiffe retries a failed stream for ever, doubling from half a second; capped at 5 s (its default is 60 s)
     * so a restarted SPIRE agent is picked up within seconds, before short-lived SVIDs run out.
     */
    static final ExponentialBackoffPolicy BACKOFF = ExponentialBackoffPolicy.builder()
            .initialDelay(Duration.ofMillis(500)).maxDelay(Duration.ofSeconds(5)).backoffMultiplier(2)
            .maxRetries(ExponentialBackoffPolicy.UNLIMITED_RETRIES).build();

    private WorkloadApi() {
    }

    public static WorkloadApiClient client(String address) {
        try {
            return DefaultWorkloadApiClient.newClient(DefaultWorkloadApiClient.ClientOptions.builder().spiffeSocketPath(address)
                    .exponentialBackoffPolicy(BACKOFF).build());
        } catch (SocketEndpointAddressException e) {
            throw new IllegalArgumentException("invalid Workload API address " + address + ": " + e.getMessage(), e);
        }
    }
}
