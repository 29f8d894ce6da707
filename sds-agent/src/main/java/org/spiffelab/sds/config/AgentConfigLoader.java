package org.spiffelab.sds.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.spiffelab.sds.secrets.Aliases;

/**
 * Loads {@link AgentConfig}: defaults, then the YAML file ({@code --config=FILE}), then environment variables
 * ({@code SDS_AGENT_<FIELD>}, and {@code SPIFFE_ENDPOINT_SOCKET}), then flags ({@code --field-name=value}).
 * Field names are the YAML keys; an unknown or invalid field stops start-up with its name in the message.
 */
public final class AgentConfigLoader {

    static final Map<String, String> DEFAULTS = defaults();

    private AgentConfigLoader() {
    }

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("workload_api_socket", "unix:/run/spire/sockets/agent.sock");
        d.put("sds_socket", "/run/sds-agent/sds.sock");
        d.put("sds_socket_mode", "0660");
        d.put("tcp_address", "");
        d.put("allowed_uids", "");
        d.put("allowed_gids", "");
        d.put("default_svid_name", Aliases.SPIRE_DEFAULTS.defaultSvid());
        d.put("default_bundle_name", Aliases.SPIRE_DEFAULTS.ownBundle());
        d.put("default_all_bundles_name", Aliases.SPIRE_DEFAULTS.allBundles());
        d.put("disable_spiffe_cert_validation", "false");
        d.put("log_level", "info");
        d.put("svid_timeout", "PT30S");
        d.put("authz_mode", "none");
        d.put("jwt_audience", "");
        d.put("jwt_allowed_subjects", "");
        return Map.copyOf(d);
    }

    public static AgentConfig load(List<String> args, Map<String, String> env) {
        Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
        String configFile = null;
        Map<String, String> flags = new LinkedHashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new ConfigException("unknown argument '" + arg + "': use --field-name=value (e.g. --sds-socket=/run/sds/sds.sock)");
            }
            String key = arg.substring(2, arg.indexOf('=')).replace('-', '_').toLowerCase(Locale.ROOT);
            String value = arg.substring(arg.indexOf('=') + 1);
            if (key.equals("config")) {
                configFile = value;
            } else {
                flags.put(key, value);
            }
        }
        if (configFile == null) {
            configFile = env.get("SDS_AGENT_CONFIG");
        }
        if (configFile != null) {
            values.putAll(readYaml(Path.of(configFile)));
        }
        if (env.containsKey("SPIFFE_ENDPOINT_SOCKET")) {
            values.put("workload_api_socket", env.get("SPIFFE_ENDPOINT_SOCKET"));
        }
        for (String key : DEFAULTS.keySet()) {
            String fromEnv = env.get("SDS_AGENT_" + key.toUpperCase(Locale.ROOT));
            if (fromEnv != null) {
                values.put(key, fromEnv);
            }
        }
        for (Map.Entry<String, String> flag : flags.entrySet()) {
            requireKnown(flag.getKey(), "flag --" + flag.getKey().replace('_', '-'));
            values.put(flag.getKey(), flag.getValue());
        }
        return validate(values);
    }

    private static Map<String, String> readYaml(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
        Map<String, String> values = new LinkedHashMap<>();
        if (root == null || root.isMissingNode() || root.isNull()) {
            return values;
        }
        if (!root.isObject()) {
            throw new ConfigException(file + ": expected a mapping of field: value");
        }
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            requireKnown(field.getKey(), file + ": field '" + field.getKey() + "'");
            if (!field.getValue().isValueNode()) {
                throw new ConfigException(file + ": field '" + field.getKey() + "' must be a single value");
            }
            values.put(field.getKey(), field.getValue().asText());
        }
        return values;
    }

    private static void requireKnown(String key, String where) {
        if (!DEFAULTS.containsKey(key)) {
            throw new ConfigException(where + " is unknown; known fields: " + String.join(", ", DEFAULTS.keySet()));
        }
    }

    private static AgentConfig validate(Map<String, String> v) {
        String workloadApi = v.get("workload_api_socket");
        if (!workloadApi.startsWith("unix:/")) {
            throw new ConfigException("workload_api_socket must be unix:/absolute/path, got '" + workloadApi + "'");
        }
        Path sdsSocket = Path.of(v.get("sds_socket"));
        if (!sdsSocket.isAbsolute()) {
            throw new ConfigException("sds_socket must be an absolute path, got '" + sdsSocket + "'");
        }
        Set<PosixFilePermission> mode = mode(v.get("sds_socket_mode"));
        String tcp = v.get("tcp_address");
        if (!tcp.isEmpty() && !tcp.matches("(127\\.0\\.0\\.1|localhost|\\[::1]):\\d{1,5}")) {
            throw new ConfigException("tcp_address must be a loopback host:port (127.0.0.1:PORT, localhost:PORT or [::1]:PORT; "
                    + "development only: whoever reaches it gets this workload's keys), got '" + tcp + "'");
        }
        Set<Integer> uids = ids(v, "allowed_uids");
        Set<Integer> gids = ids(v, "allowed_gids");
        Aliases aliases = new Aliases(name(v, "default_svid_name"), name(v, "default_bundle_name"), name(v, "default_all_bundles_name"));
        // As in SPIRE: equal bundle aliases are allowed (the own-bundle alias wins, so the all-bundles one is unused).
        String disable = v.get("disable_spiffe_cert_validation").toLowerCase(Locale.ROOT);
        if (!disable.equals("true") && !disable.equals("false")) {
            throw new ConfigException("disable_spiffe_cert_validation must be true or false, got '" + disable + "'");
        }
        String level = v.get("log_level").toLowerCase(Locale.ROOT);
        if (!Set.of("trace", "debug", "info", "warn", "error").contains(level)) {
            throw new ConfigException("log_level must be one of trace, debug, info, warn, error; got '" + level + "'");
        }
        Duration timeout;
        try {
            timeout = Duration.parse(v.get("svid_timeout"));
        } catch (DateTimeParseException e) {
            throw new ConfigException("svid_timeout must be an ISO-8601 duration such as PT30S, got '" + v.get("svid_timeout") + "'");
        }
        org.spiffelab.sds.authz.AuthzMode authz;
        try {
            authz = org.spiffelab.sds.authz.AuthzMode.valueOf(v.get("authz_mode").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("authz_mode must be none, inject or validate; got '" + v.get("authz_mode") + "'");
        }
        String audience = v.get("jwt_audience").strip();
        if (authz != org.spiffelab.sds.authz.AuthzMode.NONE && audience.isEmpty()) {
            throw new ConfigException("jwt_audience is required with authz_mode " + v.get("authz_mode")
                    + " (e.g. the receiving service's SPIFFE ID)");
        }
        Set<String> subjects = new java.util.LinkedHashSet<>();
        for (String subject : v.get("jwt_allowed_subjects").split(",")) {
            if (!subject.isBlank()) {
                if (!subject.strip().matches("spiffe://[a-z0-9._-]+(/[A-Za-z0-9._-]+)+")) {
                    throw new ConfigException("jwt_allowed_subjects: '" + subject.strip() + "' is not a workload SPIFFE ID");
                }
                subjects.add(subject.strip());
            }
        }
        if (authz == org.spiffelab.sds.authz.AuthzMode.VALIDATE && subjects.isEmpty()) {
            throw new ConfigException("jwt_allowed_subjects is required with authz_mode validate (comma-separated SPIFFE IDs): "
                    + "an empty allow-list would deny everything");
        }
        return new AgentConfig(workloadApi, sdsSocket, mode, tcp.isEmpty() ? null : tcp, aliases, Boolean.parseBoolean(disable),
                level, timeout, authz, audience, Set.copyOf(subjects), uids, gids);
    }

    /** A comma-separated list of numeric ids (empty: no check). */
    private static Set<Integer> ids(Map<String, String> v, String key) {
        Set<Integer> ids = new java.util.LinkedHashSet<>();
        for (String id : v.get(key).split(",")) {
            if (id.isBlank()) {
                continue;
            }
            if (!id.strip().matches("\\d{1,10}") || Long.parseLong(id.strip()) > Integer.MAX_VALUE) {
                throw new ConfigException(key + " must be comma-separated numeric ids (e.g. 101), got '" + id.strip() + "'");
            }
            ids.add(Integer.parseInt(id.strip()));
        }
        return Set.copyOf(ids);
    }

    private static String name(Map<String, String> v, String key) {
        String name = v.get(key);
        if (name.isBlank() || name.startsWith("spiffe://")) {
            throw new ConfigException(key + " must be a plain non-empty name (not a SPIFFE ID), got '" + name + "'");
        }
        return name;
    }

    private static Set<PosixFilePermission> mode(String octal) {
        if (!octal.matches("0?[0-7]{3}")) {
            throw new ConfigException("sds_socket_mode must be an octal mode such as 0660, got '" + octal + "'");
        }
        int bits = Integer.parseInt(octal, 8);
        if ((bits & 0002) != 0) {
            throw new ConfigException("sds_socket_mode " + octal + " would make the SDS socket world-writable: any local process "
                    + "could fetch this workload's private keys; use 0660 and put Envoy in the socket's group");
        }
        StringBuilder rwx = new StringBuilder();
        for (int shift = 6; shift >= 0; shift -= 3) {
            int p = (bits >> shift) & 7;
            rwx.append((p & 4) != 0 ? 'r' : '-').append((p & 2) != 0 ? 'w' : '-').append((p & 1) != 0 ? 'x' : '-');
        }
        return PosixFilePermissions.fromString(rwx.toString());
    }
}
