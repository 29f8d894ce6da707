package org.spiffelab.sds.secrets;

import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.spiffe.bundle.x509bundle.X509Bundle;
import io.spiffe.spiffeid.TrustDomain;
import io.spiffe.svid.x509svid.X509Svid;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.spiffelab.sds.workload.WorkloadSnapshot;

/**
 * Turns requested resource names into secrets:
 * <ul>
 *   <li>a SPIFFE ID of one of the workload's SVIDs → that TLS certificate;</li>
 *   <li>{@code spiffe://<trust domain>} → that trust domain's validation context;</li>
 *   <li>the aliases (default: {@code default}, {@code ROOTCA}, {@code ALL});</li>
 *   <li>no names → every SVID and every bundle.</li>
 * </ul>
 * Any other name fails the whole request, naming what could not be served.
 */
public final class SecretResolver {

    private final Aliases aliases;
    /** Secrets of the latest snapshot by (mode, names): a thousand Envoys asking the same thing cost one encoding. */
    private final java.util.concurrent.ConcurrentHashMap<String, List<com.google.protobuf.Any>> packed =
            new java.util.concurrent.ConcurrentHashMap<>();
    private volatile long packedVersion = -1;

    public SecretResolver(Aliases aliases) {
        this.aliases = aliases;
    }

    /** As {@link #resolve}, packed for a DiscoveryResponse, shared between streams that ask for the same names. */
    List<com.google.protobuf.Any> resolvePacked(List<String> requested, WorkloadSnapshot snapshot, ValidationMode mode)
            throws UnknownNamesException {
        if (packedVersion != snapshot.version()) {
            synchronized (packed) {
                if (packedVersion != snapshot.version()) {
                    packed.clear();
                    packedVersion = snapshot.version();
                }
            }
        }
        String key = mode + "|" + String.join("\n", new java.util.TreeSet<>(requested));
        List<com.google.protobuf.Any> cached = packed.get(key);
        if (cached != null) {
            return cached;
        }
        List<com.google.protobuf.Any> any = resolve(requested, snapshot, mode).stream().map(com.google.protobuf.Any::pack).toList();
        if (packedVersion == snapshot.version() && packed.size() < 1000) {
            packed.put(key, any);
        }
        return any;
    }

    List<Secret> resolve(List<String> requested, WorkloadSnapshot snapshot, ValidationMode mode) throws UnknownNamesException {
        Set<String> names = new LinkedHashSet<>();
        for (String name : requested) {
            if (!name.isEmpty()) {
                names.add(name);
            }
        }
        List<Secret> secrets = new ArrayList<>();
        if (names.isEmpty()) {
            for (X509Bundle bundle : snapshot.bundles().values()) {
                secrets.add(validationContext(bundle.getTrustDomain().toIdString(), List.of(bundle), mode));
            }
            for (X509Svid svid : snapshot.svids()) {
                secrets.add(SecretFactory.tlsCertificate(svid.getSpiffeId().toString(), svid));
            }
            return secrets;
        }
        List<String> unknown = new ArrayList<>();
        for (String name : names) {
            Secret secret = resolveOne(name, snapshot, mode);
            if (secret == null) {
                unknown.add(name);
            } else {
                secrets.add(secret);
            }
        }
        if (!unknown.isEmpty()) {
            throw new UnknownNamesException(unknown);
        }
        return secrets;
    }

    /** One name, for {@code sds-agent dump}; throws when it cannot be served. */
    public Secret resolveForDump(String name, WorkloadSnapshot snapshot, ValidationMode mode) {
        Secret secret = resolveOne(name, snapshot, mode);
        if (secret == null) {
            throw new IllegalArgumentException("no such SVID or bundle");
        }
        return secret;
    }

    private Secret resolveOne(String name, WorkloadSnapshot snapshot, ValidationMode mode) {
        if (name.equals(aliases.defaultSvid())) {
            return snapshot.svids().isEmpty() ? null : SecretFactory.tlsCertificate(name, snapshot.svids().get(0));
        }
        if (name.equals(aliases.ownBundle())) {
            X509Bundle own = snapshot.ownTrustDomain() == null ? null : snapshot.bundles().get(snapshot.ownTrustDomain());
            return own == null ? null : validationContext(name, List.of(own), mode);
        }
        if (name.equals(aliases.allBundles())) {
            return snapshot.bundles().isEmpty() ? null : validationContext(name, snapshot.bundles().values(), mode);
        }
        for (X509Svid svid : snapshot.svids()) {
            if (svid.getSpiffeId().toString().equals(name)) {
                return SecretFactory.tlsCertificate(name, svid);
            }
        }
        TrustDomain trustDomain = trustDomainOf(name);
        if (trustDomain != null && snapshot.bundles().containsKey(trustDomain)) {
            return validationContext(name, List.of(snapshot.bundles().get(trustDomain)), mode);
        }
        return null;
    }

    private static Secret validationContext(String name, java.util.Collection<X509Bundle> bundles, ValidationMode mode) {
        return mode == ValidationMode.SPIFFE_VALIDATOR
                ? SecretFactory.spiffeValidationContext(name, bundles)
                : SecretFactory.trustedCaValidationContext(name, bundles);
    }

    /** {@code spiffe://example.org} (and nothing more) → example.org. */
    private static TrustDomain trustDomainOf(String name) {
        if (!name.startsWith("spiffe://") || name.indexOf('/', "spiffe://".length()) >= 0) {
            return null;
        }
        try {
            return TrustDomain.parse(name);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
