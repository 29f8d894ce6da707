package org.spiffelab.sds.secrets;

import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;

/**
 * How validation contexts are served to one Envoy: with Envoy's SPIFFE certificate validator (Envoy 1.18 and later,
 * or an Envoy that does not say its version) or as plain trusted CAs. The agent's setting can be overridden per
 * Envoy by the node metadata key {@code disable_spiffe_cert_validation} (bool, or a "true"/"false" string).
 */
public enum ValidationMode {
    SPIFFE_VALIDATOR,
    TRUSTED_CA;

    static final String NODE_OVERRIDE_KEY = "disable_spiffe_cert_validation";

    public static ValidationMode forNode(Node node, boolean disabledByConfig) {
        boolean disabled = disabledByConfig;
        Value override = node.getMetadata().getFieldsMap().get(NODE_OVERRIDE_KEY);
        if (override != null) {
            if (override.hasBoolValue()) {
                disabled = override.getBoolValue();
            } else if (override.hasStringValue() && override.getStringValue().matches("(?i)true|false")) {
                disabled = Boolean.parseBoolean(override.getStringValue());
            }
            // any other value is ignored: safer to keep the configured mode than to guess
        }
        if (disabled) {
            return TRUSTED_CA;
        }
        return supportsSpiffeValidator(node) ? SPIFFE_VALIDATOR : TRUSTED_CA;
    }

    private static boolean supportsSpiffeValidator(Node node) {
        if (!node.hasUserAgentBuildVersion() || !node.getUserAgentBuildVersion().hasVersion()) {
            return true;
        }
        var version = node.getUserAgentBuildVersion().getVersion();
        return version.getMajorNumber() > 1 || (version.getMajorNumber() == 1 && version.getMinorNumber() >= 18);
    }
}
