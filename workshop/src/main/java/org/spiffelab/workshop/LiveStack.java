package org.spiffelab.workshop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.spiffelab.harness.LabProperties;

/**
 * The running lab, read from outside the way a person would: {@code docker inspect}, {@code docker exec} into the pod's
 * probe for Envoy's admin (it listens on the pod's loopback only), the SPIRE server's CLI, and webapp's JSON view.
 */
final class LiveStack {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final LabProperties lab;
    private final LabInstance instance;
    private final Docker docker;

    LiveStack(LabProperties lab, LabInstance instance, Docker docker) {
        this.lab = lab;
        this.instance = instance;
        this.docker = docker;
    }

    LabProperties lab() {
        return lab;
    }

    LabInstance instance() {
        return instance;
    }

    Docker docker() {
        return docker;
    }

    /** running, paused, exited, ... or "missing". */
    String state(String role) {
        Docker.Result result = docker.run("inspect", "-f", "{{.State.Status}}", instance.container(role));
        return result.ok() ? result.out().strip() : "missing";
    }

    boolean running(String role) {
        return state(role).equals("running");
    }

    Map<String, String> labels(String role) {
        Docker.Result result = docker.run("inspect", "-f", "{{json .Config.Labels}}", instance.container(role));
        if (!result.ok()) {
            return Map.of();
        }
        Map<String, String> labels = new HashMap<>();
        json(result.out()).properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
        return labels;
    }

    /** The workload label's value on a container, or null. */
    String workloadLabel(String role) {
        return labels(role).get(lab.get("WORKLOAD_LABEL"));
    }

    String inspect(String role, String format) {
        Docker.Result result = docker.run("inspect", "-f", format, instance.container(role));
        return result.ok() ? result.out().strip() : "";
    }

    /** Envoy's admin answer for {@code path}, or null when it cannot be reached. */
    String envoyAdmin(String path) {
        Docker.Result result = docker.exec(instance.container("pod-probe"), "curl", "-sS", "--max-time", "5",
                "http://127.0.0.1:" + lab.get("ENVOY_ADMIN_PORT") + path);
        return result.ok() ? result.out() : null;
    }

    /** Envoy's config, secrets and counters; empty when its admin does not answer. */
    EnvoyView envoy() {
        String stats = envoyAdmin("/stats");
        Map<String, Long> counters = new HashMap<>();
        if (stats != null) {
            for (String line : stats.split("\n")) {
                int colon = line.lastIndexOf(": ");
                if (colon > 0) {
                    try {
                        counters.put(line.substring(0, colon), Long.parseLong(line.substring(colon + 2).strip()));
                    } catch (NumberFormatException e) {
                        // histograms: not counters
                    }
                }
            }
        }
        return new EnvoyView(json(envoyAdmin("/config_dump")), json(envoyAdmin("/certs")), counters);
    }

    boolean envoyAnswers() {
        return envoyAdmin("/server_info") != null;
    }

    List<SpireEntry> entries() {
        Docker.Result result = docker.exec(instance.container("spire-server"), SpireCli.SERVER, "entry", "show", "-output", "json");
        if (!result.ok()) {
            throw new IllegalStateException("cannot list SPIRE's registration entries: " + result.message());
        }
        return SpireEntry.parse(json(result.out()));
    }

    /** SPIRE's trust bundle (PEM). */
    String bundlePem() {
        return docker.runOrFail("exec", instance.container("spire-server"), SpireCli.SERVER, "bundle", "show", "-format", "pem");
    }

    /** webapp's JSON view ({@code /api/portal}) as the pod's probe gets it over the lab network, or a missing node. */
    JsonNode portal(String webapp) {
        Docker.Result result = docker.exec(instance.container("pod-probe"), "curl", "-sS", "--max-time", "30",
                "http://" + webapp + ":" + org.spiffelab.harness.WebappContainer.PORT + "/api/portal");
        return result.ok() ? json(result.out()) : MissingNode.getInstance();
    }

    /** mode, uid and gid of the agent socket's folder and of the socket, seen from a throwaway toolbox container. */
    String socketStat() {
        Docker.Result result = docker.run("run", "--rm", "-v", instance.agentSocketVolume() + ":/s:ro", lab.get("TOOLBOX_IMAGE"),
                "stat", "-c", "%a %u %g", "/s", "/s/" + socketFileName());
        return result.ok() ? result.out().strip() : "";
    }

    String socketFileName() {
        String socket = lab.get("SPIRE_AGENT_SOCKET");
        return socket.substring(socket.lastIndexOf('/') + 1);
    }

    /** Whether a container labelled as {@code workload} gets an X.509-SVID from the agent now. */
    boolean svidIssuedTo(String workload) {
        return docker.run("run", "--rm", "--label", lab.get("WORKLOAD_LABEL") + "=" + workload,
                "-v", instance.agentSocketVolume() + ":" + lab.get("SPIRE_AGENT_SOCKET_DIR") + ":ro", lab.get("TOOLBOX_IMAGE"),
                "spire-agent", "api", "fetch", "x509", "-socketPath", lab.get("SPIRE_AGENT_SOCKET"), "-timeout", "5s").ok();
    }

    static JsonNode json(String text) {
        if (text == null || text.isBlank()) {
            return MissingNode.getInstance();
        }
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            return MissingNode.getInstance();
        }
    }
}
