package org.spiffelab.sds.authz;

import io.spiffe.exception.JwtSvidException;
import io.spiffe.svid.jwtsvid.JwtSvid;
import io.spiffe.workloadapi.WorkloadApiClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * This workload's JWT-SVID for one audience, fetched from the Workload API and reused until half of its lifetime
 * is left (as SPIRE renews), so a request never carries a token about to expire.
 */
public final class JwtSvidCache {

    private final WorkloadApiClient client;
    private final String audience;
    private final Clock clock;
    private JwtSvid cached;
    private Instant refreshAt = Instant.MIN;

    public JwtSvidCache(WorkloadApiClient client, String audience, Clock clock) {
        this.client = client;
        this.audience = audience;
        this.clock = clock;
    }

    /** The compact token. @throws JwtSvidException when the Workload API has none for us */
    public synchronized String token() throws JwtSvidException {
        Instant now = clock.instant();
        if (cached == null || !now.isBefore(refreshAt)) {
            JwtSvid fresh = client.fetchJwtSvid(audience);
            Instant expiry = fresh.getExpiry().toInstant();
            refreshAt = now.plus(Duration.between(now, expiry).dividedBy(2));
            cached = fresh;
        }
        return cached.getToken();
    }

    public String audience() {
        return audience;
    }
}
