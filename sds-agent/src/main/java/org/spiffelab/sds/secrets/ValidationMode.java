package org.spiffelab.sds.secrets;

import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;

/**
 * How validation contexts are served to one Envoy, decided as the SPIRE agent decides it: Envoy's SPIFFE certificate
 * validator unless it is disabled (agent setting, overridden per Envoy by the node metadata key
 * {@code disable_spiffe_cert_validation}) or the Envoy says it is older than 1.18; plain trusted CAs otherwise.
 */
public enum ValidationMode {
    SPIFFE_VALIDATOR,
    TRUSTED_CA;

    static final String NODE_OVERRIDE_KEY = "disable_spiffe_cert_validation";

    /** @param node the request's node, or null when the request carried none (and no earlier one applies) */
    public static ValidationMode forNode(Node node, boolean disabledByConfig) {
        boolean disabled = disabledByConfig;
        if (node != null) {
            Value override = node.getMetadata().getFieldsMap().get(NODE_OVERRIDE_KEY);
            Boolean parsed = override == null ? null : metadataBool(override);
            if (parsed != null) {
                disabled = parsed;
            }
            // any other value is ignored, as SPIRE ignores it: the configured mode stays
        }
        return !disabled && supportsSpiffeValidator(node) ? SPIFFE_VALIDATOR : TRUSTED_CA;
    }

    /** A bool, or a string as Go's strconv.ParseBool reads it (SPIRE's rule); null for anything else. */
    static Boolean metadataBool(Value value) {
        if (value.hasBoolValue()) {
            return value.getBoolValue();
        }
        if (value.hasStringValue()) {
            return switch (value.getStringValue()) {
                case "1", "t", "T", "TRUE", "true", "True" -> Boolean.TRUE;
                case "0", "f", "F", "FALSE", "false", "False" -> Boolean.FALSE;
                default -> null;
            };
        }
        return null;
    }

    /** Envoy 1.18 added the SPIFFE validator; an Envoy that does not send a build version is assumed to have it. */
    private static boolean supportsSpiffeValidator(Node node) {
        if (node == null || !node.hasUserAgentBuildVersion()) {
            return true;
        }
        var version = node.getUserAgentBuildVersion().getVersion();
        return (version.getMajorNumber() == 1 && version.getMinorNumber() > 17) || version.getMajorNumber() > 1;
    }
}
