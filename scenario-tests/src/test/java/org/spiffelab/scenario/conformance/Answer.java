package org.spiffelab.scenario.conformance;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;

/**
 * What an SDS server answered, in the fields Envoy acts on, comparable with {@code equals}: the status (code and
 * message), type_url, version, the nonce's shape (SPIRE: 8 hex digits; the value itself is random), and every secret
 * field by field — name, kind, PEM bytes of chain, key, trusted CA, and the SPIFFE validator's trust domains with
 * their bundles.
 */
record Answer(String status, String typeUrl, String version, String nonce, List<SecretView> secrets) {

    record SecretView(String name, String kind, String certificateChain, String privateKey, String trustedCa, String validator,
                      List<String> trustDomains, List<String> trustBundles) {
    }

    static Answer of(DiscoveryResponse response) {
        List<SecretView> secrets = new ArrayList<>();
        for (var any : response.getResourcesList()) {
            secrets.add(view(any));
        }
        String nonce = response.getNonce().matches("[0-9a-f]{8}") ? "<8 hex digits>" : response.getNonce();
        return new Answer("OK", response.getTypeUrl() + (isSecretType(response) ? "" : " (resources: " + kinds(response) + ")"),
                response.getVersionInfo(), nonce, List.copyOf(secrets));
    }

    static Answer of(Status status) {
        return new Answer(status.getCode() + ": " + status.getDescription(), null, null, null, List.of());
    }

    /** The certificate serials in this answer (to tell a rotation in between from a real difference). */
    String leafChains() {
        return secrets.stream().map(SecretView::certificateChain).filter(c -> c != null).toList().toString();
    }

    private static boolean isSecretType(DiscoveryResponse response) {
        return response.getResourcesList().stream().allMatch(a -> a.getTypeUrl().endsWith("/" + Secret.getDescriptor().getFullName()));
    }

    private static String kinds(DiscoveryResponse response) {
        return response.getResourcesList().stream().map(a -> a.getTypeUrl()).toList().toString();
    }

    private static SecretView view(com.google.protobuf.Any any) {
        try {
            Secret secret = any.unpack(Secret.class);
            if (secret.hasTlsCertificate()) {
                var tls = secret.getTlsCertificate();
                return new SecretView(secret.getName(), "tls_certificate", tls.getCertificateChain().getInlineBytes().toStringUtf8(),
                        tls.getPrivateKey().getInlineBytes().toStringUtf8(), null, null, List.of(), List.of());
            }
            var context = secret.getValidationContext();
            if (context.hasCustomValidatorConfig()) {
                var validator = context.getCustomValidatorConfig();
                var config = validator.getTypedConfig().unpack(SPIFFECertValidatorConfig.class);
                return new SecretView(secret.getName(), "validation_context/custom_validator", null, null, null,
                        validator.getName() + " " + validator.getTypedConfig().getTypeUrl(),
                        config.getTrustDomainsList().stream().map(SPIFFECertValidatorConfig.TrustDomain::getName).toList(),
                        config.getTrustDomainsList().stream().map(t -> t.getTrustBundle().getInlineBytes().toStringUtf8()).toList());
            }
            return new SecretView(secret.getName(), context.hasTrustedCa() ? "validation_context/trusted_ca" : "other: " + secret,
                    null, null, context.getTrustedCa().getInlineBytes().toStringUtf8(), null, List.of(), List.of());
        } catch (InvalidProtocolBufferException e) {
            return new SecretView("unreadable " + any.getTypeUrl(), e.getMessage(), null, null, null, null, List.of(), List.of());
        }
    }
}
