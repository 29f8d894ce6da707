package org.spiffelab.webapp.config;

import io.spiffe.spiffeid.SpiffeId;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The webapp's settings, from flags ({@code --customer-service-url=...}) over environment variables
 * ({@code CUSTOMER_SERVICE_URL}) over defaults. Every value is checked at start-up so a mistake stops the process
 * with a message that says what to fix.
 *
 * @param workloadApiSocket  the Workload API address, {@code unix:/path}
 * @param customerServiceUrl base URL of customer-service's Envoy (https), or of a local sidecar proxy (http://127.0.0.1)
 * @param customerServiceId  the only SPIFFE ID accepted from the server
 * @param customerId         which customer the portal shows
 * @param scenario           the lab scenario the page names and links to its lab; null when not set (the page says so)
 */
public record WebappConfig(String workloadApiSocket, URI customerServiceUrl, SpiffeId customerServiceId, int port,
                           String customerId, Duration svidTimeout, String title, Scenario scenario) {

    /** Default peer: customer-service's ID (equal to CUSTOMER_SERVICE_ID in lab.properties; a test checks it). */
    public static final String DEFAULT_CUSTOMER_SERVICE_ID = "spiffe://example.org/ns/demo/sa/customer-service";
    public static final String DEFAULT_SOCKET = "unix:/run/spire/sockets/agent.sock";
    public static final String DEFAULT_CUSTOMER_SERVICE_URL = "https://customer-service:8443";

    /** Whether calls go through a local sidecar proxy (scenario jwt) rather than straight to customer-service over mTLS. */
    public boolean viaSidecar() {
        return "http".equals(customerServiceUrl.getScheme());
    }

    /** Every setting, by its environment name; the flag is the same in lower case with dashes. */
    public static final Set<String> SETTINGS = Set.of("SPIFFE_ENDPOINT_SOCKET", "CUSTOMER_SERVICE_URL", "CUSTOMER_SERVICE_ID",
            "PORT", "CUSTOMER_ID", "SVID_TIMEOUT", "TITLE", "LAB_SCENARIO");

    public static WebappConfig from(String[] args, Map<String, String> env) {
        Map<String, String> values = new HashMap<>();
        for (Map.Entry<String, String> variable : env.entrySet()) {
            if (SETTINGS.contains(variable.getKey())) {
                values.put(variable.getKey(), variable.getValue());
            } else {
                // The environment holds much that is not ours; a name one or two letters off one of ours is a typo.
                String near = nearest(variable.getKey());
                if (near != null && !kubernetesServiceLink(variable.getKey())) {
                    throw new ConfigException("unknown environment setting " + variable.getKey() + ": did you mean " + near + "?");
                }
            }
        }
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new ConfigException("unknown argument '" + arg + "': use --name=value, e.g. --customer-service-url=" + DEFAULT_CUSTOMER_SERVICE_URL);
            }
            String flag = arg.substring(0, arg.indexOf('='));
            String name = flag.substring(2).toUpperCase(java.util.Locale.ROOT).replace('-', '_');
            if (!SETTINGS.contains(name)) {
                String near = nearest(name);
                throw new ConfigException("unknown flag " + flag + (near == null ? "" : ": did you mean " + flagOf(near) + "?")
                        + " Known flags: " + SETTINGS.stream().sorted().map(WebappConfig::flagOf).toList());
            }
            values.put(name, arg.substring(arg.indexOf('=') + 1));
        }
        return new WebappConfig(
                socket(values.getOrDefault("SPIFFE_ENDPOINT_SOCKET", DEFAULT_SOCKET)),
                url(values.getOrDefault("CUSTOMER_SERVICE_URL", DEFAULT_CUSTOMER_SERVICE_URL)),
                spiffeId(values.getOrDefault("CUSTOMER_SERVICE_ID", DEFAULT_CUSTOMER_SERVICE_ID)),
                port(values.getOrDefault("PORT", "8080")),
                check("CUSTOMER_ID", values.getOrDefault("CUSTOMER_ID", "1001"), v -> v.matches("[0-9]{1,10}"), "digits, e.g. 1001"),
                duration(values.getOrDefault("SVID_TIMEOUT", "PT30S")),
                check("TITLE", values.getOrDefault("TITLE", "webapp"), v -> !v.isBlank() && v.length() <= 60, "1 to 60 characters"),
                values.containsKey("LAB_SCENARIO") ? Scenario.parse(values.get("LAB_SCENARIO")) : null);
    }

    private static String flagOf(String setting) {
        return "--" + setting.toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** The setting at most two edits away from {@code name}, or null. */
    static String nearest(String name) {
        String best = null;
        int bestDistance = 3;
        for (String setting : SETTINGS.stream().sorted().toList()) {
            int d = editDistance(name, setting);
            if (d < bestDistance) {
                best = setting;
                bestDistance = d;
            }
        }
        return best;
    }

    /** Variables Kubernetes adds for each Service (FOO_SERVICE_HOST, FOO_PORT_8443_TCP, ...): not settings of ours. */
    private static boolean kubernetesServiceLink(String name) {
        return name.matches("[A-Z0-9_]+_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT(_\\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)?)");
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    static String socket(String value) {
        if (!value.startsWith("unix:")) {
            throw new ConfigException("SPIFFE_ENDPOINT_SOCKET must be unix:/path/to/agent.sock, got '" + value + "'");
        }
        Path path = Path.of(value.substring("unix:".length()).replaceFirst("^//", ""));
        if (!Files.exists(path)) {
            throw new ConfigException("SPIFFE_ENDPOINT_SOCKET: no socket at " + path
                    + ": is the SPIRE agent running and its socket directory mounted into this container?");
        }
        return value;
    }

    static URI url(String value) {
        try {
            URI uri = new URI(value);
            if (uri.getHost() == null || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))) {
                throw new ConfigException("CUSTOMER_SERVICE_URL must be https://host:port (mTLS), got '" + value + "'");
            }
            // Plain HTTP only to a sidecar proxy in the same pod, which does mTLS (and JWT-SVIDs) on our behalf.
            if ("http".equals(uri.getScheme()) && !Set.of("127.0.0.1", "localhost", "[::1]").contains(uri.getHost())) {
                throw new ConfigException("CUSTOMER_SERVICE_URL may use http:// only for a local sidecar proxy (127.0.0.1); "
                        + "anything else must be https:// (mTLS), got '" + value + "'");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new ConfigException("CUSTOMER_SERVICE_URL is not a URL: '" + value + "' (" + e.getReason() + ")");
        }
    }

    static SpiffeId spiffeId(String value) {
        if (value.matches("spiffe://[^/]+/?")) {
            throw new ConfigException("CUSTOMER_SERVICE_ID must name a workload, not a trust domain: '" + value
                    + "'; expected e.g. " + DEFAULT_CUSTOMER_SERVICE_ID);
        }
        try {
            return SpiffeId.parse(value);
        } catch (RuntimeException e) {
            // java-spiffe throws InvalidSpiffeIdException (and IllegalArgumentException for blanks)
            throw new ConfigException("CUSTOMER_SERVICE_ID is not a SPIFFE ID: '" + value + "' (" + e.getMessage()
                    + "); expected e.g. " + DEFAULT_CUSTOMER_SERVICE_ID);
        }
    }

    static int port(String value) {
        String checked = check("PORT", value, v -> v.matches("[0-9]{1,5}") && Integer.parseInt(v) > 0 && Integer.parseInt(v) < 65536,
                "a TCP port, 1-65535");
        return Integer.parseInt(checked);
    }

    static Duration duration(String value) {
        try {
            Duration d = Duration.parse(value);
            if (d.isNegative() || d.isZero()) {
                throw new ConfigException("SVID_TIMEOUT must be positive, got " + value);
            }
            return d;
        } catch (DateTimeParseException e) {
            throw new ConfigException("SVID_TIMEOUT must be an ISO-8601 duration such as PT30S, got '" + value + "'");
        }
    }

    private static String check(String name, String value, Predicate<String> ok, String expected) {
        if (!ok.test(value)) {
            throw new ConfigException(name + " must be " + expected + ", got '" + value + "'");
        }
        return value;
    }
}
