package org.spiffelab.sds.server;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Health turns SERVING once every named condition is met (the X.509 SVID held; in an ext_authz mode, its JWT bundles or
 * JWT-SVID held) and stays so: what was held is kept through Workload API outages.
 */
public final class Readiness {

    private final Set<String> pending;
    private Consumer<Boolean> serving;

    public Readiness(List<String> conditions) {
        this.pending = new LinkedHashSet<>(conditions);
    }

    /** Where SERVING goes (the server's health); fires at once if every condition is already met. */
    public synchronized void reportTo(Consumer<Boolean> serving) {
        this.serving = serving;
        serving.accept(pending.isEmpty());
    }

    public synchronized void met(String condition) {
        if (pending.remove(condition) && pending.isEmpty() && serving != null) {
            serving.accept(true);
        }
    }

    public synchronized Set<String> pending() {
        return Set.copyOf(pending);
    }
}
