package org.spiffelab.scenario.k8s;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.spiffelab.harness.LabProperties;

/**
 * The cluster the Kubernetes scenarios run on: the user's own when {@code KUBECONFIG} is set (kind, minikube: load
 * the lab's images there yourself), otherwise the lab's local one-node cluster, brought up (or checked, when it runs) by
 * {@code scripts/cluster.sh up}; it stays up for the next run ({@code scripts/cluster.sh down} stops it).
 */
final class KubeCluster {

    private final LabProperties lab;
    private final Kubectl kubectl;
    private final boolean local;

    private KubeCluster(LabProperties lab, Kubectl kubectl, boolean local) {
        this.lab = lab;
        this.kubectl = kubectl;
        this.local = local;
    }

    static KubeCluster connect(LabProperties lab) {
        String userConfig = System.getenv("KUBECONFIG");
        if (userConfig != null && !userConfig.isBlank()) {
            return new KubeCluster(lab, new Kubectl(Path.of("kubectl"), Path.of(userConfig), lab.root()), false);
        }
        Path cache = labCache();
        Path kubectlBinary = cache.resolve("k8s-" + lab.get("KUBERNETES_VERSION")).resolve("bin/kubectl");
        Path kubeconfig = Path.of(System.getenv().getOrDefault("LAB_CLUSTER_STATE", cache.resolve("cluster").toString()))
                .resolve("admin.kubeconfig");
        KubeCluster cluster = new KubeCluster(lab, new Kubectl(kubectlBinary, kubeconfig, lab.root()), true);
        // Always, as scripts/demo.sh --k8s does: 'up' on a running cluster must leave it working (it once rewrote
        // kube-proxy's config file, and kube-proxy exits when that file is written; Services then stopped routing).
        cluster.script("up", Duration.ofMinutes(45));
        return cluster;
    }

    /** The same folder scripts/lib.sh uses: LAB_CACHE, else $XDG_CACHE_HOME (or ~/.cache)/spire-envoy-lab. */
    static Path labCache() {
        String xdg = System.getenv().getOrDefault("XDG_CACHE_HOME", System.getProperty("user.home") + "/.cache");
        return Path.of(System.getenv().getOrDefault("LAB_CACHE", xdg + "/spire-envoy-lab"));
    }

    boolean local() {
        return local;
    }

    Kubectl kubectl() {
        return kubectl;
    }

    /** Copies the lab's images from Docker into the local cluster (no-op for images already there). */
    void loadImages() {
        if (local) {
            script("images", Duration.ofMinutes(10));
        }
    }

    private void script(String command, Duration timeout) {
        try {
            Process process = new ProcessBuilder("bash", lab.file("scripts/cluster.sh").toString(), command)
                    .directory(lab.root().toFile()).inheritIO().start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("scripts/cluster.sh " + command + " did not finish within " + timeout);
            }
            if (process.exitValue() != 0) {
                throw new AssertionError("scripts/cluster.sh " + command + " failed (exit " + process.exitValue()
                        + "); its output above names the step and the fix");
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
