package org.spiffelab.harness;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.awaitility.core.ConditionTimeoutException;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.Network;

/**
 * One running scenario on Docker: SPIRE server and agent, customer-service's pod (nginx + Envoy sidecar + a probe)
 * and any client workloads. Each step waits on the component's own health endpoint, never on a log line.
 */
public final class LabStack implements AutoCloseable {

    // Generous: on a loaded 2-core machine a JVM workload can need a minute to start; a healthy stack is ready long before.
    private Duration readyTimeout = Duration.ofSeconds(180);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LabProperties lab;
    private final LabImages images;
    private final StackSpec spec;
    private final String namePrefix;
    private final Consumer<String> progress;
    private final String socketVolume;
    private final String serverDataVolume;
    private final String agentDataVolume;
    private Consumer<String> containerLogs;
    private final List<LabContainer<?>> containers = new ArrayList<>();

    private Network network;
    private SpireServerContainer spireServer;
    private SpireAgentContainer spireAgent;
    private CustomerServicePod pod;
    private EnvoyContainer envoy;
    private ToolboxContainer podProbe;
    private SdsAgentContainer sdsAgent;
    private final String sdsSocketVolume;
    private final List<String> extraVolumes = new java.util.concurrent.CopyOnWriteArrayList<>();

    // Workshop options (see the with... methods): all off for the scenario tests.
    private java.nio.file.Path envoyConfigFolder;
    private boolean awaitEnvoySecrets = true;
    private boolean startSdsAgent = true;
    private java.util.Map<String, Integer> loopbackPorts = java.util.Map.of();
    private boolean outliveProcess;

    /**
     * @param namePrefix fixed container names (for the demo) or null for Docker's random names (tests)
     * @param progress   receives one line per step
     */
    public LabStack(LabProperties lab, LabImages images, StackSpec spec, String namePrefix, Consumer<String> progress) {
        this.lab = lab;
        this.images = images;
        this.spec = spec;
        this.namePrefix = namePrefix;
        this.progress = progress;
        this.socketVolume = (namePrefix == null ? "spire-envoy-lab-" + UUID.randomUUID().toString().substring(0, 8) : namePrefix)
                + "-agent-socket";
        this.sdsSocketVolume = socketVolume.replace("-agent-socket", "-sds-socket");
        this.serverDataVolume = socketVolume.replace("-agent-socket", "-spire-server-data");
        this.agentDataVolume = socketVolume.replace("-agent-socket", "-spire-agent-data");
    }

    /** Streams every container's output to {@code sink} as it is written, prefixed with its role (tests; not the demo). */
    public LabStack withContainerLogs(Consumer<String> sink) {
        this.containerLogs = sink;
        return this;
    }

    /**
     * Envoy reads {@code envoy.yaml} from this host folder (bind-mounted, not copied), so an edit takes effect on
     * {@code docker restart <envoy>}: the workshop's working copy.
     */
    public LabStack withEnvoyConfigFolder(java.nio.file.Path folder) {
        this.envoyConfigFolder = folder;
        return this;
    }

    /** How long each component may take to become ready (default 90 s); longer where the machine is shared. */
    public LabStack withReadyTimeout(Duration timeout) {
        this.readyTimeout = timeout;
        return this;
    }

    /** Ready once Envoy's admin answers, even with no secrets yet: a workshop lab starts without what it teaches. */
    public LabStack withoutAwaitingEnvoySecrets() {
        this.awaitEnvoySecrets = false;
        return this;
    }

    /** Scenarios with sds-agent: Envoy mounts sds-agent's socket folder, but the agent is left for the attendee to run. */
    public LabStack withoutSdsAgent() {
        this.startSdsAgent = false;
        return this;
    }

    /**
     * Publishes containers' ports on 127.0.0.1 only, at fixed host ports: role (webapp, webapp-2, nginx) → host port,
     * 0 for any free one. Without it ports are published the Testcontainers way (random).
     */
    public LabStack withLoopbackPorts(java.util.Map<String, Integer> hostPortByRole) {
        this.loopbackPorts = java.util.Map.copyOf(hostPortByRole);
        return this;
    }

    /**
     * The stack outlives this JVM (scripts/lab.sh: the attendee works on it between commands) until
     * {@link #removeStack} removes it. Its containers are marked reusable, so Testcontainers' exit hook leaves them
     * alone; that needs TESTCONTAINERS_REUSE_ENABLE=true, which scripts/lab.sh sets.
     */
    public LabStack outlivingThisProcess() {
        if (namePrefix == null) {
            throw new IllegalStateException("only a stack with fixed names can outlive its process: nothing else could find it");
        }
        this.outliveProcess = true;
        return this;
    }

    /** The label a fixed-name stack puts on its network, so that a later process can find and remove it. */
    public static final String STACK_LABEL = "org.spiffelab.lab.stack";

    public LabStack start() {
        DockerClientFactory.instance().client();
        progress.accept("[" + spec.scenario() + "] images: " + images.mode() + ", Docker " + DockerClientFactory.instance().getActiveApiVersion());
        network = namePrefix != null && outliveProcess ? new LabNetwork(namePrefix) : Network.newNetwork();

        progress.accept("[" + spec.scenario() + "] SPIRE server " + images.spireServer());
        spireServer = track(new SpireServerContainer(lab, images, serverDataVolume).withNetwork(network).withNetworkAliases("spire-server"));
        spireServer.start();
        awaitReady("SPIRE server healthcheck", spireServer::healthy, "see the spire-server log below");

        progress.accept("[" + spec.scenario() + "] registration entries: " + spec.registrations().size());
        String nodeId = lab.get("DOCKER_NODE_ID");
        String joinToken = spireServer.generateJoinToken(nodeId);
        for (Registration registration : spec.registrations()) {
            spireServer.createEntry(registration, nodeId);
        }

        progress.accept("[" + spec.scenario() + "] SPIRE agent " + images.spireAgent());
        spireAgent = track(new SpireAgentContainer(lab, images, socketVolume, agentDataVolume, joinToken, spireServer.bundlePem())
                .withNetwork(network).withNetworkAliases("spire-agent"));
        spireAgent.start();
        awaitReady("SPIRE agent healthcheck", spireAgent::healthy, "did node attestation with the join token succeed?");

        progress.accept("[" + spec.scenario() + "] customer-service pod: nginx " + images.nginx() + " + Envoy " + images.envoy());
        pod = track(new CustomerServicePod(lab, images, network));
        pod.start();
        podProbe = track(new ToolboxContainer(lab, images, "pod-probe"));
        pod.adopt(podProbe);
        podProbe.start();
        awaitReady("nginx /healthz on the pod's loopback", () -> "200".equals(podHttpStatus(lab.port("NGINX_PORT"), "/healthz")),
                "is customer-service/nginx/nginx.conf valid? see the nginx log");

        String envoySocketVolume = socketVolume;
        String envoyAttestedAs = "customer-service";
        if (spec.sdsAgent() && !startSdsAgent) {
            envoySocketVolume = sdsSocketVolume;
            envoyAttestedAs = null;
        } else if (spec.sdsAgent()) {
            progress.accept("[" + spec.scenario() + "] sds-agent (Java SDS server, attested as customer-service)");
            sdsAgent = track(new SdsAgentContainer(lab, ModuleImage.sdsAgent(lab, images), "sds-agent", "customer-service",
                    socketVolume, sdsSocketVolume, spec.sdsAgentArgs()));
            pod.adopt(sdsAgent);
            sdsAgent.start();
            awaitReady("sds-agent health (grpc.health.v1)", sdsAgent::healthy,
                    "see the sds-agent log: did it get an SVID from the SPIRE agent?");
            envoySocketVolume = sdsSocketVolume;
            envoyAttestedAs = null;
        }
        envoy = track(new EnvoyContainer(lab, images, envoyConfigFolder != null ? envoyConfigFolder : lab.file(spec.envoyConfig()),
                envoyAttestedAs, envoySocketVolume));
        pod.adopt(envoy);
        envoy.start();
        if (!awaitEnvoySecrets) {
            awaitReady("Envoy admin", () -> "200".equals(podHttpStatus(lab.port("ENVOY_ADMIN_PORT"), "/server_info")),
                    "is the config valid (envoy --mode validate)? see the Envoy log");
            progress.accept("[" + spec.scenario() + "] Envoy started (its listener may still be waiting for secrets)");
            return this;
        }
        awaitReady("Envoy /ready", () -> "200".equals(podHttpStatus(lab.port("ENVOY_ADMIN_PORT"), "/ready")),
                "is the config valid (envoy --mode validate)? is the SDS cluster's socket path right?");
        awaitReady("Envoy certificate from SDS", () -> envoyCerts().path("certificates").size() > 0
                        && envoyCerts().path("certificates").get(0).path("cert_chain").size() > 0,
                "the SDS secret names must match the entry's SPIFFE ID exactly; check `spire-server entry show`");
        progress.accept("[" + spec.scenario() + "] ready: Envoy mTLS on localhost:" + pod.publishedTlsPort());
        return this;
    }

    /** Starts a toolbox container attested as {@code workload} (registered or not) on the lab network. */
    public ToolboxContainer startWorkload(String workload) {
        ToolboxContainer toolbox = track(new ToolboxContainer(lab, images, "workload-" + workload)
                .asWorkload(lab, workload, socketVolume).withNetwork(network));
        toolbox.start();
        return toolbox;
    }

    /**
     * Starts a webapp attested as {@code workload} on the lab network (alias = workload name) and waits for its
     * /healthz (an SVID is held).
     */
    public WebappContainer startWebapp(String workload, java.util.Map<String, String> env) {
        return startWebapp(workload, workload, env);
    }

    /** As {@link #startWebapp(String, java.util.Map)}, for a second instance of a workload under another name ({@code instance}). */
    public WebappContainer startWebapp(String instance, String workload, java.util.Map<String, String> env) {
        // The page names its scenario and lab; a caller's value wins (the workshop's rbac lab runs StackSpec.x509).
        java.util.Map<String, String> withScenario = new java.util.HashMap<>(java.util.Map.of("LAB_SCENARIO", spec.scenario()));
        withScenario.putAll(env);
        env = withScenario;
        if (spec.webappSidecars()) {
            return startWebappPod(instance, workload, env);
        }
        progress.accept("[" + spec.scenario() + "] " + instance + " attested as " + workload + " (webapp image on " + images.jre() + ")");
        WebappContainer webapp = track(new WebappContainer(lab, ModuleImage.webapp(lab, images), instance, workload, socketVolume, env)
                .withNetwork(network).withNetworkAliases(instance));
        webapp.start();
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        awaitReady(workload + " /healthz", () -> {
            var response = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(webapp.url() + "/healthz")).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        }, "does the webapp's log say it got an SVID? is " + workload + " registered?");
        return webapp;
    }

    /**
     * Scenario jwt: a webapp pod — webapp (owns the network namespace) calling its forward Envoy on the pod's loopback (WEBAPP_FORWARD_PORT), a forward Envoy
     * there, and an sds-agent in inject mode attested as {@code workload}, serving that Envoy's SDS and ext_authz.
     */
    private WebappContainer startWebappPod(String instance, String workload, java.util.Map<String, String> env) {
        progress.accept("[" + spec.scenario() + "] " + instance + " pod: webapp + forward Envoy + sds-agent (inject), attested as " + workload);
        java.util.Map<String, String> sidecarEnv = new java.util.HashMap<>(env);
        sidecarEnv.put("CUSTOMER_SERVICE_URL", "http://127.0.0.1:" + lab.get("WEBAPP_FORWARD_PORT"));
        WebappContainer webapp = track(new WebappContainer(lab, ModuleImage.webapp(lab, images), instance, workload, socketVolume, sidecarEnv)
                .withNetwork(network).withNetworkAliases(instance));
        webapp.start();
        String volume = socketVolume.replace("-agent-socket", "-" + instance + "-sds-socket");
        extraVolumes.add(volume);
        SdsAgentContainer agent = track(new SdsAgentContainer(lab, ModuleImage.sdsAgent(lab, images), instance + "-sds-agent", workload,
                socketVolume, volume, java.util.List.of("--authz-mode=inject", "--jwt-audience=" + lab.get("CUSTOMER_SERVICE_ID"))));
        agent.withNetworkMode("container:" + webapp.getContainerId());
        agent.start();
        awaitReady(instance + "'s sds-agent health", agent::healthy, "see its log: did it get " + workload + "'s SVID?");
        EnvoyContainer forward = track(new EnvoyContainer(lab, images, lab.file("webapp/envoy/envoy-forward-jwt.yaml"), null, volume,
                instance + "-envoy"));
        forward.withNetworkMode("container:" + webapp.getContainerId());
        forward.start();
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        awaitReady(instance + " reaching customer-service through its forward Envoy", () -> {
            String body = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(webapp.url() + "/api/portal")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            return !body.contains("\"UNREACHABLE\"") && !body.contains("\"NO_SVID\"");
        }, "see " + instance + "-envoy's log: does its SDS (sds-agent) serve 'default' and 'spiffe://...'?");
        return webapp;
    }

    /** Envoy's admin endpoint, read from inside the pod (admin listens on the pod's loopback only). */
    public String envoyAdmin(String path) {
        return podProbe.execOrFail("curl", "-sS", "--max-time", "5", "http://127.0.0.1:" + lab.get("ENVOY_ADMIN_PORT") + path);
    }

    public JsonNode envoyCerts() {
        try {
            return JSON.readTree(envoyAdmin("/certs"));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("Envoy /certs is not JSON", e);
        }
    }

    /** One counter or gauge from Envoy's /stats, 0 when absent. */
    public long envoyStat(String name) {
        String line = envoyAdmin("/stats?filter=" + java.net.URLEncoder.encode("^" + java.util.regex.Pattern.quote(name) + "$",
                java.nio.charset.StandardCharsets.UTF_8)).strip();
        return line.isEmpty() ? 0 : Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
    }

    private String podHttpStatus(int port, String path) {
        ExecResult r = podProbe.exec("curl", "-s", "-o", "/dev/null", "--max-time", "3", "-w", "%{http_code}",
                "http://127.0.0.1:" + port + path);
        return r.getStdout().strip();
    }

    private void awaitReady(String what, java.util.concurrent.Callable<Boolean> ready, String hint) {
        try {
            await(what).atMost(readyTimeout).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(ready);
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException("[" + spec.scenario() + "] " + what + " not ready after " + readyTimeout.toSeconds()
                    + "s: " + hint, e);
        }
    }

    private <C extends LabContainer<?>> C track(C container) {
        if (namePrefix != null) {
            container.withFixedName(namePrefix + "-" + container.role());
        }
        if (outliveProcess) {
            container.withReuse(true);
        }
        Integer hostPort = loopbackPorts.get(container.role());
        if (hostPort != null) {
            int containerPort = container instanceof WebappContainer ? WebappContainer.PORT : lab.port("ENVOY_TLS_PORT");
            container.publishOnLoopback(containerPort, hostPort);
        }
        if (containerLogs != null) {
            container.withLogStream(containerLogs);
        }
        containers.add(container);
        return container;
    }

    public LabProperties lab() {
        return lab;
    }

    public StackSpec spec() {
        return spec;
    }

    public SpireServerContainer spireServer() {
        return spireServer;
    }

    public SpireAgentContainer spireAgent() {
        return spireAgent;
    }

    /** customer-service's Envoy sidecar. */
    public EnvoyContainer envoy() {
        return envoy;
    }

    /**
     * Waits until {@code ready} holds, polling every 200 ms for up to {@code timeout}; a timeout names {@code what}.
     * For drills: how long a component takes to come back is what they measure.
     */
    public void awaitCondition(String what, Duration timeout, java.util.concurrent.Callable<Boolean> ready) {
        org.awaitility.Awaitility.await(what).atMost(timeout).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(ready);
    }

    public CustomerServicePod pod() {
        return pod;
    }

    public ToolboxContainer podProbe() {
        return podProbe;
    }

    /** The named volume holding the SPIRE agent's socket. */
    public String spireSocketVolume() {
        return socketVolume;
    }

    /** The named volume holding sds-agent's socket (scenario sds-agent). */
    public String sdsSocketVolume() {
        return sdsSocketVolume;
    }

    /** The sds-agent image (built on first use). */
    public String sdsAgentImage() {
        return ModuleImage.sdsAgent(lab, images);
    }

    public List<LabContainer<?>> containers() {
        return List.copyOf(containers);
    }

    @Override
    public void close() {
        for (int i = containers.size() - 1; i >= 0; i--) {
            try {
                containers.get(i).stop();
            } catch (RuntimeException e) {
                progress.accept("could not stop " + containers.get(i).role() + ": " + e.getMessage());
            }
        }
        if (network != null) {
            network.close();
        }
        removeVolume(socketVolume);
        removeVolume(sdsSocketVolume);
        removeVolume(serverDataVolume);
        removeVolume(agentDataVolume);
        extraVolumes.forEach(this::removeVolume);
    }

    /** The containers of the fixed-name stack {@code namePrefix} (running or not), by name: a lab already there. */
    public static List<String> containersOf(String namePrefix) {
        var docker = DockerClientFactory.instance().client();
        List<String> names = new ArrayList<>();
        for (var container : docker.listContainersCmd().withShowAll(true).withNameFilter(List.of(namePrefix + "-")).exec()) {
            for (String name : container.getNames()) {
                if (name.startsWith("/" + namePrefix + "-")) {
                    names.add(name.substring(1));
                }
            }
        }
        return names;
    }

    /**
     * Removes everything of the fixed-name stack {@code namePrefix}: its containers (also those an attendee started
     * under that prefix), its network and its volumes — what {@code scripts/lab.sh stop} does.
     */
    public static void removeStack(String namePrefix, Consumer<String> progress) {
        var docker = DockerClientFactory.instance().client();
        for (String name : containersOf(namePrefix)) {
            progress.accept("removing container " + name);
            docker.removeContainerCmd(name).withForce(true).withRemoveVolumes(true).exec();
        }
        for (var network : docker.listNetworksCmd().withFilter("label", List.of(STACK_LABEL + "=" + namePrefix)).exec()) {
            progress.accept("removing network " + network.getName());
            docker.removeNetworkCmd(network.getId()).exec();
        }
        for (var volume : docker.listVolumesCmd().exec().getVolumes()) {
            if (volume.getName().startsWith(namePrefix + "-")) {
                progress.accept("removing volume " + volume.getName());
                docker.removeVolumeCmd(volume.getName()).exec();
            }
        }
    }

    private void removeVolume(String volume) {
        var docker = DockerClientFactory.instance().client();
        if (docker.listVolumesCmd().exec().getVolumes().stream().anyMatch(v -> v.getName().equals(volume))) {
            try {
                docker.removeVolumeCmd(volume).exec();
            } catch (RuntimeException e) {
                progress.accept("could not remove volume " + volume + ": " + e.getMessage());
            }
        }
    }
}
