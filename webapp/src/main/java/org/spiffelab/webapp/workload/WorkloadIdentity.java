package org.spiffelab.webapp.workload;

import io.spiffe.exception.SocketEndpointAddressException;
import io.spiffe.exception.X509SourceException;
import io.spiffe.svid.x509svid.X509Svid;
import io.spiffe.workloadapi.DefaultWorkloadApiClient;
import io.spiffe.workloadapi.DefaultX509Source;
import io.spiffe.workloadapi.X509Source;
import io.spiffe.workloadapi.retry.ExponentialBackoffPolicy;
import java.io.IOException;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.spiffelab.webapp.tls.CertificateTimeline;

/**
 * This workload's X.509 identity: java-spiffe's X509 source (kept current by the Workload API stream), how many
 * SVIDs the stream has delivered and the last few of them, and on request its JWT-SVID's header and claims.
 */
public final class WorkloadIdentity implements AutoCloseable {

    /**
     * Reconnects to a restarted agent within about a second and never waits more than 2 s between tries (java-spiffe's
     * default backs off to 60 s, so a returned agent could go unnoticed for a minute). A try is one connect on a
     * local Unix socket: cheap for the agent.
     */
    static final ExponentialBackoffPolicy RECONNECT = ExponentialBackoffPolicy.builder()
            .initialDelay(Duration.ofMillis(250)).maxDelay(Duration.ofSeconds(2)).backoffMultiplier(2)
            .maxRetries(ExponentialBackoffPolicy.UNLIMITED_RETRIES).build();

    /** How long a page view waits for the Workload API's JWT-SVID (the agent answers from memory in milliseconds). */
    static final Duration JWT_SVID_TIMEOUT = Duration.ofSeconds(2);

    private final X509Source source;
    private final LongSupplier updates;
    private final CertificateTimeline svids;
    private final JwtSvidInspector jwt;

    public WorkloadIdentity(X509Source source, LongSupplier updates) {
        this(source, updates, new CertificateTimeline(), null);
    }

    /** @param jwt null when JWT-SVIDs are not to be shown */
    public WorkloadIdentity(X509Source source, LongSupplier updates, CertificateTimeline svids, JwtSvidInspector jwt) {
        this.source = source;
        this.updates = updates;
        this.svids = svids;
        this.jwt = jwt;
    }

    /**
     * Connects to the Workload API and waits for the first SVID.
     *
     * @throws IllegalStateException naming the socket and the likely cause when no SVID arrives in time
     */
    public static WorkloadIdentity connect(String socket, Duration timeout) {
        try {
            CertificateTimeline svids = new CertificateTimeline();
            RotationCountingClient client = new RotationCountingClient(DefaultWorkloadApiClient.newClient(
                    DefaultWorkloadApiClient.ClientOptions.builder().spiffeSocketPath(socket).exponentialBackoffPolicy(RECONNECT).build()),
                    svids::saw);
            DefaultX509Source source = DefaultX509Source.newSource(DefaultX509Source.X509SourceOptions.builder()
                    .spiffeSocketPath(socket).workloadApiClient(client).initTimeout(timeout).build());
            return new WorkloadIdentity(source, client::updates, svids,
                    new JwtSvidInspector(audience -> client.fetchJwtSvid(audience).getToken(), JWT_SVID_TIMEOUT));
        } catch (SocketEndpointAddressException e) {
            throw new IllegalStateException("invalid Workload API address " + socket + ": " + e.getMessage(), e);
        } catch (X509SourceException | RuntimeException e) {
            throw new IllegalStateException("no SVID after " + timeout.toSeconds() + "s from " + socket
                    + ": is this workload registered (does an entry's selector match this container's labels)?", e);
        }
    }

    public X509Source source() {
        return source;
    }

    public X509Svid svid() {
        return source.getX509Svid();
    }

    /** The last few X.509-SVIDs, newest first (each update of the Workload API stream, and each one a view saw). */
    public CertificateTimeline svids() {
        return svids;
    }

    /**
     * This workload's JWT-SVID for {@code audience}, fetched now from the Workload API: its header and claims only.
     * Null when this identity shows no JWT-SVIDs.
     */
    public JwtSvidSummary jwtSvid(String audience) {
        return jwt == null ? null : jwt.inspect(audience);
    }

    /** SVID rotations seen since start (updates after the first). */
    public long rotations() {
        return Math.max(0, updates.getAsLong() - 1);
    }

    @Override
    public void close() throws IOException {
        if (jwt != null) {
            jwt.close();
        }
        source.close();
    }
}
