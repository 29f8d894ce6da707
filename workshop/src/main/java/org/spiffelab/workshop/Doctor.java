package org.spiffelab.workshop;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.spiffelab.harness.LabProperties;

/**
 * Reads the live lab and names the cause of what is wrong, most basic first: a component down, the socket closed, the
 * SDS contract broken (names vs identities vs selectors), the wrong trust bundle, the RBAC policy.
 */
final class Doctor {

    /** The SPIRE agent's SDS aliases (docker/spire/agent.conf). */
    private static final Set<String> ALIASES = Set.of("default", "ROOTCA", "ALL");

    private final LiveStack live;
    private final LabProperties lab;
    private final LabInstance instance;

    Doctor(LiveStack live) {
        this.live = live;
        this.lab = live.lab();
        this.instance = live.instance();
    }

    Diagnosis diagnose() {
        List<String> evidence = new ArrayList<>();
        for (String role : List.of("spire-server", "nginx", "envoy", "pod-probe")) {
            if (!live.running(role)) {
                evidence.add(instance.container(role) + " is " + live.state(role));
                return new Diagnosis("no-lab", "no complete lab runs under the name " + instance.prefix() + "-*", evidence,
                        "scripts/lab.sh stop, then scripts/lab.sh start <lab>");
            }
        }
        String restart = "docker restart " + instance.container("envoy");
        String config = instance.shown(instance.envoyConfig());
        EnvoyView envoy = live.envoy();
        Instant expiry = envoy.certificateExpiry();
        boolean expired = expiry != null && expiry.isBefore(Instant.now());
        if (expiry != null) {
            evidence.add("Envoy's certificate (" + envoy.certificateId() + ") expire" + (expired ? "d " : "s ") + expiry
                    + " (" + ago(expiry) + ")");
        }

        String agent = live.state("spire-agent");
        evidence.add(instance.container("spire-agent") + " is " + agent);
        if (!agent.equals("running")) {
            return new Diagnosis(Fault.AGENT_OUTAGE.id(), "the SPIRE agent is " + agent + ": nobody renews SVIDs"
                    + (expired ? ", and Envoy's SVID has expired — every client's handshake now fails" : ", and Envoy's SVID will expire"),
                    evidence, agent.equals("paused") ? "docker unpause " + instance.container("spire-agent")
                            + " (it renews the expired SVIDs at once and pushes them to Envoy over SDS)"
                            : "docker start " + instance.container("spire-agent") + " (its SVID and key wait in its data volume: no new join token needed)");
        }

        Diagnosis socket = socketPermissions(evidence);
        if (socket != null) {
            return socket;
        }

        Diagnosis sds = sdsContract(envoy, evidence, config, restart);
        if (sds != null) {
            return sds;
        }

        List<BigInteger> envoyCas = envoy.caSerials();
        List<BigInteger> spireCas = bundleSerials(live.bundlePem());
        evidence.add("Envoy validates clients against CA serial(s) " + hex(envoyCas) + "; SPIRE's bundle has " + hex(spireCas));
        if (!envoyCas.isEmpty() && envoyCas.stream().noneMatch(spireCas::contains)) {
            String file = envoy.trustedCaFile();
            // One more call from webapp shows the consequence in Envoy's own counter.
            evidence.add("webapp's page shows " + LabChecks.outcome(live.portal("webapp").path("result")));
            envoy = live.envoy();
            return new Diagnosis(Fault.TRUST_BUNDLE.id(), "Envoy checks client certificates against a CA that is not SPIRE's"
                    + (file == null ? "" : " (trusted_ca " + file + ")") + ": every SVID fails verification, so the TLS handshake fails"
                    + " before any HTTP — no 403, a reset (ssl.fail_verify_error = " + envoy.stat("listener.0.0.0.0_" + lab.get("ENVOY_TLS_PORT") + ".ssl.fail_verify_error") + ")",
                    evidence, "in " + config + " take the bundle from SPIRE over SDS (validation_context_sds_secret_config, name "
                            + lab.get("TRUST_DOMAIN_ID") + "), then: " + restart);
        }

        if (!envoy.listenerActive()) {
            evidence.add("Envoy is " + envoy.serverState());
            return new Diagnosis("warming", "Envoy's listener is waiting for its secrets over SDS (Envoy is " + envoy.serverState() + ")", evidence,
                    "docker logs " + instance.container("envoy") + " shows what its SDS stream answers");
        }

        JsonNode webapp = live.portal("webapp").path("result");
        evidence.add("webapp's page shows " + LabChecks.outcome(webapp));
        List<String> principals = envoy.rbacPrincipals();
        String webappId = lab.get("WEBAPP_ID");
        if (envoy.runsBeforeRouter(EnvoyView.RBAC) && !principals.contains(webappId)) {
            return new Diagnosis(Fault.RBAC_TYPO.id(), "the handshake works (mTLS is fine) but the RBAC policy answers 403: it allows "
                    + principals + ", and webapp is " + webappId + Names.didYouMean(webappId, principals), evidence,
                    "in " + config + " correct the principal_name to " + webappId + ", then: " + restart);
        }
        String webappState = live.state("webapp");
        if (!webapp.has("balance")) {
            evidence.add(instance.container("webapp") + " is " + webappState);
            return new Diagnosis("unknown", "webapp does not get the balance: " + LabChecks.outcome(webapp), evidence,
                    "see docs/troubleshooting.md, and docker logs " + instance.container("webapp"));
        }
        return new Diagnosis(Diagnosis.HEALTHY, "the lab is healthy: Envoy's listener is active with " + envoy.certificateId()
                + ", and webapp gets the balance over mTLS", evidence, "nothing to fix");
    }

    /** Can webapp's user reach the agent socket? It needs search (x) on the folder and write on the socket. */
    private Diagnosis socketPermissions(List<String> evidence) {
        String stat = live.socketStat();
        String[] lines = stat.split("\n");
        if (lines.length < 2) {
            evidence.add("the agent socket " + lab.get("SPIRE_AGENT_SOCKET") + " is missing (" + stat + ")");
            return null;
        }
        String user = live.inspect("webapp", "{{.Config.User}}");
        if (user.isBlank()) {
            user = "0:0";
        }
        int uid = Integer.parseInt(user.split(":")[0]);
        int gid = user.contains(":") ? Integer.parseInt(user.split(":")[1]) : uid;
        FileMode folder = FileMode.parse(lines[0]);
        FileMode socket = FileMode.parse(lines[1]);
        evidence.add("agent socket folder " + lab.get("SPIRE_AGENT_SOCKET_DIR") + ": " + folder + "; socket: " + socket
                + "; webapp runs as " + uid + ":" + gid);
        if (folder.allows(uid, gid, 1) && socket.allows(uid, gid, 2)) {
            return null;
        }
        return new Diagnosis(Fault.SOCKET_PERMISSIONS.id(), "webapp (uid " + uid + ") cannot reach the Workload API: "
                + (folder.allows(uid, gid, 1) ? "the socket is not writable for it (" + socket + ")" : "the socket's folder is " + folder
                        + " — no search permission for others")
                + ", so a webapp that (re)starts gets no SVID", evidence,
                "open it again — docker run --rm -v " + instance.agentSocketVolume() + ":/s " + lab.get("TOOLBOX_IMAGE")
                        + " chmod 0755 /s — then: docker start " + instance.container("webapp"));
    }

    /** Envoy asks SPIRE for secrets by name; SPIRE serves only the IDs whose entries select Envoy's container. */
    private Diagnosis sdsContract(EnvoyView envoy, List<String> evidence, String config, String restart) {
        Map<String, String> labels = live.labels("envoy");
        String label = labels.get(lab.get("WORKLOAD_LABEL"));
        if (label == null) {
            return null; // Envoy's secrets come from sds-agent, not from SPIRE directly
        }
        List<SpireEntry> entries = live.entries();
        List<String> issued = entries.stream().filter(e -> e.selects(labels)).map(SpireEntry::spiffeId).toList();
        evidence.add("Envoy (label " + lab.get("WORKLOAD_LABEL") + "=" + label + ") asks SDS for " + envoy.certificateSecretNames()
                + " and " + envoy.validationSecretNames() + "; SPIRE's entries for it: " + issued);
        for (String name : envoy.certificateSecretNames()) {
            if (ALIASES.contains(name) || issued.contains(name)) {
                continue;
            }
            SpireEntry byId = entries.stream().filter(e -> e.spiffeId().equals(name)).findFirst().orElse(null);
            if (byId != null) {
                return new Diagnosis(Fault.SELECTOR.id(), "the entry for " + name + " selects " + byId.selectors()
                        + ", but Envoy's container carries " + lab.get("WORKLOAD_LABEL") + "=" + label
                        + ": the selectors match nothing, SPIRE issues Envoy no SVID and its listener stays warming", evidence,
                        "make the selector docker:label:" + lab.get("WORKLOAD_LABEL") + ":" + label + " — spire-server entry update -entryID "
                                + byId.id() + " (or delete it and create it again); Envoy's listener turns active without a restart");
            }
            if (!issued.isEmpty()) {
                return new Diagnosis(Fault.SDS_NAME.id(), "Envoy asks SDS for \"" + name + "\", but SPIRE issues its workload only "
                        + issued + Names.didYouMean(name, issued) + ": the agent answers \"workload is not authorized for the requested"
                        + " identities\" and the listener stays warming", evidence,
                        "in " + config + " name the secret " + issued.get(0) + ", then: " + restart);
            }
            return new Diagnosis("not-registered", "no registration entry selects Envoy's container (" + lab.get("WORKLOAD_LABEL") + "="
                    + label + ") and none has the ID " + name + ": SPIRE issues it nothing, the listener stays warming", evidence,
                    SpireCli.shown(SpireCli.entryCreate(lab, instance, label, name, label)));
        }
        for (String name : envoy.validationSecretNames()) {
            if (!ALIASES.contains(name) && !name.equals(lab.get("TRUST_DOMAIN_ID"))) {
                return new Diagnosis(Fault.SDS_NAME.id(), "Envoy asks SDS for the bundle \"" + name + "\", but SPIRE serves bundles by trust "
                        + "domain ID (" + lab.get("TRUST_DOMAIN_ID") + "): the listener stays warming", evidence,
                        "in " + config + " name the validation context " + lab.get("TRUST_DOMAIN_ID") + ", then: " + restart);
            }
        }
        return null;
    }

    static List<BigInteger> bundleSerials(String pem) {
        List<BigInteger> serials = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (var cert : factory.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
                serials.add(((X509Certificate) cert).getSerialNumber());
            }
        } catch (CertificateException e) {
            throw new IllegalStateException("SPIRE's bundle is not PEM certificates: " + e.getMessage(), e);
        }
        return serials;
    }

    private static String hex(List<BigInteger> serials) {
        return serials.stream().map(s -> s.toString(16)).toList().toString();
    }

    private static String ago(Instant at) {
        Duration d = Duration.between(Instant.now(), at);
        return d.isNegative() ? d.negated().toSeconds() + " s ago" : "in " + d.toSeconds() + " s";
    }

    /** A file's mode and owner, as {@code stat -c '%a %u %g'} prints them. */
    record FileMode(int mode, int uid, int gid) {

        static FileMode parse(String line) {
            String[] f = line.strip().split("\\s+");
            return new FileMode(Integer.parseInt(f[0], 8), Integer.parseInt(f[1]), Integer.parseInt(f[2]));
        }

        /** Whether uid/gid has {@code bit} (4 read, 2 write, 1 search/execute); root always does. */
        boolean allows(int uid, int gid, int bit) {
            if (uid == 0) {
                return true;
            }
            int shift = uid == this.uid ? 6 : gid == this.gid ? 3 : 0;
            return ((mode >> shift) & bit) != 0;
        }

        @Override
        public String toString() {
            return String.format("%04o %d:%d", mode, uid, gid);
        }
    }
}
