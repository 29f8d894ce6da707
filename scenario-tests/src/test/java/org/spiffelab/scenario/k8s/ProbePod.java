package org.spiffelab.scenario.k8s;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A toolbox pod (curl, openssl, the spire-agent CLI) with a chosen service account in a chosen namespace, the agent's
 * socket mounted like the lab's workloads: what a workload with that identity can and cannot do, seen from inside.
 */
final class ProbePod {

    static final String SOCKET = "/run/spire/sockets/agent.sock";

    private final Kubectl kubectl;
    final String namespace;
    final String name;

    private ProbePod(Kubectl kubectl, String namespace, String name) {
        this.kubectl = kubectl;
        this.namespace = namespace;
        this.name = name;
    }

    /** Creates the pod (and its service account), and waits until it runs. */
    static ProbePod start(Kubectl kubectl, String image, String namespace, String name, String serviceAccount) {
        String manifest = """
                apiVersion: v1
                kind: ServiceAccount
                metadata: {name: %3$s, namespace: %1$s}
                ---
                apiVersion: v1
                kind: Pod
                metadata:
                  name: %2$s
                  namespace: %1$s
                  labels: {app: %2$s, spiffelab.org/probe: "true"}
                spec:
                  serviceAccountName: %3$s
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: toolbox
                    image: %4$s
                    imagePullPolicy: IfNotPresent
                    command: ["sleep", "infinity"]
                    volumeMounts:
                    - {name: spire-agent-socket, mountPath: /run/spire/sockets, readOnly: true}
                  volumes:
                  - name: spire-agent-socket
                    hostPath: {path: /run/spire/sockets, type: DirectoryOrCreate}
                """.formatted(namespace, name, serviceAccount, image);
        apply(kubectl, manifest);
        kubectl.ok("-n", namespace, "wait", "--for=condition=Ready", "pod/" + name, "--timeout=120s");
        return new ProbePod(kubectl, namespace, name);
    }

    static void apply(Kubectl kubectl, String manifest) {
        java.nio.file.Path file;
        try {
            file = java.nio.file.Files.createTempFile("lab-k8s-", ".yaml");
            java.nio.file.Files.writeString(file, manifest);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        kubectl.ok("apply", "-f", file.toString());
    }

    Kubectl.Result exec(String... command) {
        return exec(Duration.ofSeconds(60), command);
    }

    Kubectl.Result exec(Duration timeout, String... command) {
        List<String> args = new ArrayList<>(List.of("-n", namespace, "exec", name, "-c", "toolbox", "--"));
        args.addAll(List.of(command));
        return kubectl.run(timeout, args.toArray(String[]::new));
    }

    /** Fetches this pod's X.509-SVID into /dev/shm/svid (svid.0.pem, svid.0.key, bundle.0.pem). */
    Kubectl.Result fetchX509Svid() {
        return exec("sh", "-c", "mkdir -p /dev/shm/svid && spire-agent api fetch x509 -socketPath " + SOCKET + " -write /dev/shm/svid");
    }

    /** The URI SAN of the SVID fetched last. */
    String svidSpiffeId() {
        String text = exec("openssl", "x509", "-in", "/dev/shm/svid/svid.0.pem", "-noout", "-ext", "subjectAltName").orFail("openssl").out();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("URI:(spiffe://\\S+)").matcher(text);
        if (!m.find()) {
            throw new AssertionError("no SPIFFE ID in the SVID: " + text);
        }
        return m.group(1).replaceAll(",$", "");
    }

    /** curl with the fetched SVID as client certificate and its bundle as the only trust; body, then the status line. */
    Kubectl.Result curlWithSvid(String url, String... extra) {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20", "--cert", "/dev/shm/svid/svid.0.pem", "--key",
                "/dev/shm/svid/svid.0.key", "--cacert", "/dev/shm/svid/bundle.0.pem", "-w", "\\n%{http_code}"));
        cmd.addAll(List.of(extra));
        cmd.add(url);
        return exec(cmd.toArray(String[]::new));
    }

    void delete() {
        kubectl.run("-n", namespace, "delete", "pod", name, "--wait=true", "--timeout=60s");
    }
}
