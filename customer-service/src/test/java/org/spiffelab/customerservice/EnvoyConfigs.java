package org.spiffelab.customerservice;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** customer-service's Envoy configs, parsed strictly into Envoy's v3 Bootstrap (unknown fields are errors). */
final class EnvoyConfigs {

    static final JsonFormat.TypeRegistry TYPES = JsonFormat.TypeRegistry.newBuilder()
            .add(DownstreamTlsContext.getDescriptor())
            .add(HttpConnectionManager.getDescriptor())
            .add(Router.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext.getDescriptor())
            .add(HttpProtocolOptions.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig.getDescriptor())
            .build();

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    private EnvoyConfigs() {
    }

    /** customer-service's Envoy configs (one per scenario). */
    static List<Path> all(Path root) throws IOException {
        return list(root.resolve("customer-service/envoy"));
    }

    /** Every Envoy config of the lab: customer-service's and the webapp pod's forward proxy. */
    static List<Path> everywhere(Path root) throws IOException {
        return Stream.concat(all(root).stream(), list(root.resolve("webapp/envoy")).stream()).toList();
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    static Bootstrap parse(String yaml) throws IOException {
        String json = JSON.writeValueAsString(YAML.readTree(yaml));
        Bootstrap.Builder builder = Bootstrap.newBuilder();
        try {
            JsonFormat.parser().usingTypeRegistry(TYPES).merge(json, builder);
        } catch (InvalidProtocolBufferException e) {
            throw new IOException("not a valid Envoy v3 bootstrap: " + e.getMessage(), e);
        }
        return builder.build();
    }

    static <T extends com.google.protobuf.Message> T unpack(com.google.protobuf.Any any, Class<T> type) {
        try {
            return any.unpack(type);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("expected " + type.getSimpleName() + ", got " + any.getTypeUrl(), e);
        }
    }
}
