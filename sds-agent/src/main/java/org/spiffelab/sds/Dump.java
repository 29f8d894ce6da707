package org.spiffelab.sds;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.spiffe.svid.x509svid.X509Svid;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.spiffelab.sds.secrets.Aliases;
import org.spiffelab.sds.secrets.SecretResolver;
import org.spiffelab.sds.secrets.ValidationMode;
import org.spiffelab.sds.workload.WorkloadSnapshot;

/** {@code sds-agent dump}: what this agent would serve Envoy, by resource name — never the private keys. */
public final class Dump {

    private Dump() {
    }

    public static void print(WorkloadSnapshot snapshot, Aliases aliases, ValidationMode mode, PrintStream out) {
        out.println("Workload API snapshot version " + snapshot.version());
        out.println("SVIDs:");
        for (X509Svid svid : snapshot.svids()) {
            out.printf("  %s  serial %s  expires %s  chain %d%n", svid.getSpiffeId(), svid.getLeaf().getSerialNumber().toString(16),
                    svid.getLeaf().getNotAfter().toInstant(), svid.getChain().size());
        }
        out.println("Bundles:");
        snapshot.bundles().forEach((td, bundle) -> out.printf("  %s  %d authorities%n", td.toIdString(), bundle.getX509Authorities().size()));
        List<String> names = new ArrayList<>();
        snapshot.svids().forEach(s -> names.add(s.getSpiffeId().toString()));
        snapshot.bundles().keySet().forEach(td -> names.add(td.toIdString()));
        names.addAll(new java.util.LinkedHashSet<>(List.of(aliases.defaultSvid(), aliases.ownBundle(), aliases.allBundles())));
        out.println("Resource names (validation contexts as " + mode + "):");
        SecretResolver resolver = new SecretResolver(aliases);
        for (String name : names) {
            out.printf("  %-55s -> %s%n", name, describe(resolver, name, snapshot, mode));
        }
    }

    private static String describe(SecretResolver resolver, String name, WorkloadSnapshot snapshot, ValidationMode mode) {
        try {
            SecretResolver.Resolution resolution = resolver.resolve(List.of(name), snapshot, mode);
            if (resolution.failed()) {
                return "not served: " + resolution.error().getCode() + " " + resolution.error().getDescription();
            }
            Secret secret = resolution.resources().get(0).unpack(Secret.class);
            if (secret.hasTlsCertificate()) {
                return "tls_certificate (chain " + secret.getTlsCertificate().getCertificateChain().getInlineBytes().size()
                        + " bytes PEM, private key in memory)";
            }
            var context = secret.getValidationContext();
            if (context.hasCustomValidatorConfig()) {
                var config = context.getCustomValidatorConfig().getTypedConfig().unpack(SPIFFECertValidatorConfig.class);
                return "validation_context, SPIFFE validator for " + config.getTrustDomainsList().stream().map(t -> t.getName()).toList();
            }
            return "validation_context, trusted_ca " + context.getTrustedCa().getInlineBytes().size() + " bytes PEM";
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            return "not served: " + e.getMessage();
        }
    }
}
