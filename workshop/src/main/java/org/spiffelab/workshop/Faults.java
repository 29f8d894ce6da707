package org.spiffelab.workshop;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;
import org.spiffelab.harness.LabProperties;
import org.spiffelab.harness.pki.TestCa;

/**
 * Injects each {@link Fault} into a running, healthy lab 2 (rbac) stack — with the commands a careless operator would
 * type — and repairs it the way {@code doctor}'s fix says. Each injection waits until the fault shows, never a fixed time.
 */
final class Faults {

    private static final Duration SHOWS_WITHIN = Duration.ofMinutes(3);
    /** agent-outage: customer-service's SVIDs live this long, so the outage outlasts one within a minute. */
    static final int OUTAGE_SVID_TTL_SECONDS = 30;

    private final LiveStack live;
    private final LabProperties lab;
    private final LabInstance instance;
    private final Docker docker;
    private final Consumer<String> progress;

    Faults(LiveStack live, Consumer<String> progress) {
        this.live = live;
        this.lab = live.lab();
        this.instance = live.instance();
        this.docker = live.docker();
        this.progress = progress;
    }

    void inject(Fault fault) {
        progress.accept("breaking: " + fault.description());
        switch (fault) {
            case SDS_NAME -> editEnvoyConfig(fault, text -> text.replace("name: " + lab.get("CUSTOMER_SERVICE_ID"),
                    "name: " + lab.get("CUSTOMER_SERVICE_ID").replace("customer-service", "customer-svc")));
            case SELECTOR -> {
                reRegisterCustomerService("customer-svc", 0);
                // Envoy must not keep the SVID it already holds: wait until the agent stops issuing it, then restart Envoy.
                awaitShown("the agent no longer issues customer-service an SVID", () -> !live.svidIssuedTo("customer-service"));
                restartEnvoy();
            }
            case RBAC_TYPO -> editEnvoyConfig(fault, text -> text.replace("exact: " + lab.get("WEBAPP_ID") + " ",
                    "exact: " + lab.get("WEBAPP_ID").substring(0, lab.get("WEBAPP_ID").length() - 1) + " "));
            case TRUST_BUNDLE -> {
                writeForeignCa();
                editEnvoyConfig(fault, text -> text.replaceFirst("(?s)( *)validation_context_sds_secret_config:.*?(?=\\n\\s*filters:)",
                        "$1# Someone's old CA file instead of SPIRE's bundle.\n$1validation_context:\n$1  trusted_ca: { filename: "
                                + org.spiffelab.harness.EnvoyContainer.WORK_DIR + "/other-ca.pem }"));
            }
            case AGENT_OUTAGE -> {
                reRegisterCustomerService("customer-service", OUTAGE_SVID_TTL_SECONDS);
                awaitShown("Envoy holds a " + OUTAGE_SVID_TTL_SECONDS + " s SVID", () -> {
                    Instant expiry = live.envoy().certificateExpiry();
                    return expiry != null && expiry.isBefore(Instant.now().plusSeconds(OUTAGE_SVID_TTL_SECONDS + 5));
                });
                docker.runOrFail("pause", instance.container("spire-agent"));
                awaitShown("Envoy's SVID expires while the agent is paused", () -> {
                    Instant expiry = live.envoy().certificateExpiry();
                    return expiry != null && expiry.isBefore(Instant.now());
                });
            }
            case SOCKET_PERMISSIONS -> {
                docker.runOrFail("run", "--rm", "-v", instance.agentSocketVolume() + ":/s", lab.get("TOOLBOX_IMAGE"), "chmod", "0700", "/s");
                docker.runOrFail("restart", instance.container("webapp"));
            }
        }
    }

    /** Undoes {@code fault} the way doctor's fix tells the attendee, and waits until the lab works again. */
    void repair(Fault fault) {
        progress.accept("repairing: " + fault.id());
        switch (fault) {
            case SDS_NAME, RBAC_TYPO, TRUST_BUNDLE -> {
                restore(fault);
                restartEnvoy();
            }
            case SELECTOR -> reRegisterCustomerService("customer-service", 0);
            case AGENT_OUTAGE -> {
                docker.runOrFail("unpause", instance.container("spire-agent"));
                reRegisterCustomerService("customer-service", 0);
            }
            case SOCKET_PERMISSIONS -> {
                docker.runOrFail("run", "--rm", "-v", instance.agentSocketVolume() + ":/s", lab.get("TOOLBOX_IMAGE"), "chmod", "0755", "/s");
                docker.runOrFail("restart", instance.container("webapp"));
            }
        }
        awaitShown("doctor finds the lab healthy", () -> new Doctor(live).diagnose().healthy());
    }

    /** Replaces customer-service's entry: selector label {@code label}, X.509-SVID lifetime {@code ttlSeconds} (0: default). */
    private void reRegisterCustomerService(String label, int ttlSeconds) {
        String id = lab.get("CUSTOMER_SERVICE_ID");
        for (SpireEntry entry : live.entries()) {
            if (entry.spiffeId().equals(id)) {
                docker.runOrFail("exec", instance.container("spire-server"), SpireCli.SERVER, "entry", "delete", "-entryID", entry.id());
            }
        }
        List<String> create = new ArrayList<>(SpireCli.entryCreate(lab, instance, label, id, "customer-service"));
        if (ttlSeconds > 0) {
            create.add("-x509SVIDTTL");
            create.add(Integer.toString(ttlSeconds));
        }
        docker.runOrFail(create.toArray(String[]::new));
    }

    private void editEnvoyConfig(Fault fault, java.util.function.UnaryOperator<String> edit) {
        Path config = instance.envoyConfig();
        try {
            String before = Files.readString(config);
            String after = edit.apply(before);
            if (after.equals(before)) {
                throw new WorkshopException(instance.shown(config) + " is not lab 2's finished config, so " + fault.id()
                        + " cannot be injected: scripts/lab.sh stop, then scripts/lab.sh break " + fault.id());
            }
            Files.copy(config, backup(fault), StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(config, after);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        restartEnvoy();
    }

    private void restore(Fault fault) {
        try {
            Files.move(backup(fault), instance.envoyConfig(), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("no backup of " + instance.shown(instance.envoyConfig()) + " from `break " + fault.id() + "`", e);
        }
    }

    private Path backup(Fault fault) {
        return instance.work().resolve(".envoy-before-" + fault.id() + ".yaml");
    }

    private void restartEnvoy() {
        docker.runOrFail("restart", instance.container("envoy"));
        awaitShown("Envoy's admin answers", live::envoyAnswers);
    }

    private void writeForeignCa() {
        try {
            byte[] der = new TestCa(lab.get("TRUST_DOMAIN")).certificate().getEncoded();
            String pem = "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                    .encodeToString(der) + "\n-----END CERTIFICATE-----\n";
            Path file = instance.work().resolve("other-ca.pem");
            Files.writeString(file, pem);
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        } catch (java.security.GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot write a foreign CA certificate", e);
        }
    }

    private void awaitShown(String what, java.util.concurrent.Callable<Boolean> condition) {
        progress.accept("waiting until " + what);
        await(what).atMost(SHOWS_WITHIN).pollInterval(Duration.ofSeconds(2)).ignoreExceptions().until(condition);
    }
}
