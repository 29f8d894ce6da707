package org.spiffelab.sds.secrets;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.grpc.Status;
import io.spiffe.bundle.x509bundle.X509Bundle;
import io.spiffe.svid.x509svid.X509Svid;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.spiffelab.sds.workload.WorkloadSnapshot;

/**
 * Turns requested resource names into secrets exactly as the SPIRE agent's SDS does, in its order and with its quirks:
 * <ol>
 *   <li>the own trust domain's bundle, by one of (first match wins): its ID {@code spiffe://<td>} (or no names at all),
 *       the own-bundle alias ({@code ROOTCA}), the all-bundles alias ({@code ALL}) — one bundle resource at most, so a
 *       second of these names stays unserved;</li>
 *   <li>each federated bundle asked for by its trust domain ID (or no names);</li>
 *   <li>each SVID asked for by its SPIFFE ID (or no names); else, for the first SVID only, the default-SVID alias.</li>
 * </ol>
 * Names left over fail the whole request with {@code INVALID_ARGUMENT}, listed sorted and Go-quoted as SPIRE lists
 * them. {@code ALL} without the SPIFFE validator fails with {@code INTERNAL}: plain trusted CAs cannot keep each trust
 * domain's authorities to its own SPIFFE IDs.
 * <p>Federated bundles come sorted by trust domain; SPIRE's order among several is random (a Go map).
 */
public final class SecretResolver {

    /** Resources for a response, or the status that ends the request. */
    public record Resolution(List<Any> resources, Status error) {
        public boolean failed() {
            return error != null;
        }
    }

    static final String NOT_AUTHORIZED = "workload is not authorized for the requested identities ";
    static final String ALL_NEEDS_SPIFFE_VALIDATOR = "unable to use \"SPIFFE validator\" on Envoy below 1.17";
    /** Longest list of refused names echoed in a status, in characters: a status is a message, not a mirror. */
    static final int MAX_ECHOED = 1024;
    private static final int MAX_CACHED = 1000;

    private final Aliases aliases;
    /** The latest snapshot's resolutions by (mode, names): a thousand Envoys asking the same thing cost one encoding. */
    private volatile Cache cache = new Cache(-1);

    /** Resolutions of one snapshot version; replaced whole when a newer version is asked for. */
    private record Cache(long version, Map<String, Resolution> byKey) {
        Cache(long version) {
            this(version, new ConcurrentHashMap<>());
        }
    }

    public SecretResolver(Aliases aliases) {
        this.aliases = aliases;
    }

    public Resolution resolve(Collection<String> requested, WorkloadSnapshot snapshot, ValidationMode mode) {
        Set<String> names = new TreeSet<>();
        for (String name : requested) {
            if (!name.isEmpty()) {
                names.add(name);
            }
        }
        Cache current = cache;
        if (current.version() < snapshot.version()) {
            synchronized (this) {
                current = cache;
                if (current.version() < snapshot.version()) {
                    current = new Cache(snapshot.version());
                    cache = current;
                }
            }
        }
        if (current.version() != snapshot.version()) {
            return compute(names, snapshot, mode); // an older snapshot than the cached one: not kept
        }
        String key = mode.ordinal() + "\n" + String.join("\n", names);
        Resolution cached = current.byKey().get(key);
        if (cached != null) {
            return cached;
        }
        if (current.byKey().size() >= MAX_CACHED) {
            return compute(names, snapshot, mode);
        }
        // one encoding per key even when several event loops ask at once
        return current.byKey().computeIfAbsent(key, k -> compute(names, snapshot, mode));
    }

    private Resolution compute(Set<String> names, WorkloadSnapshot snapshot, ValidationMode mode) {
        boolean everything = names.isEmpty();
        List<Secret> secrets = new ArrayList<>();
        X509Bundle own = snapshot.ownBundle();
        if (own != null) {
            String ownId = own.getTrustDomain().toIdString();
            if (everything || names.contains(ownId)) {
                secrets.add(validationContext(ownId, List.of(own), mode));
                names.remove(ownId);
            } else if (names.contains(aliases.ownBundle())) {
                secrets.add(validationContext(aliases.ownBundle(), List.of(own), mode));
                names.remove(aliases.ownBundle());
            } else if (names.contains(aliases.allBundles())) {
                if (mode != ValidationMode.SPIFFE_VALIDATOR) {
                    return new Resolution(null, Status.INTERNAL.withDescription(ALL_NEEDS_SPIFFE_VALIDATOR));
                }
                secrets.add(SecretFactory.spiffeValidationContext(aliases.allBundles(), snapshot.bundles().values()));
                names.remove(aliases.allBundles());
            }
        }
        for (X509Bundle federated : snapshot.federatedBundles()) {
            String id = federated.getTrustDomain().toIdString();
            if (everything || names.contains(id)) {
                secrets.add(validationContext(id, List.of(federated), mode));
                names.remove(id);
            }
        }
        List<X509Svid> svids = snapshot.svids();
        for (int i = 0; i < svids.size(); i++) {
            String id = svids.get(i).getSpiffeId().toString();
            if (everything || names.contains(id)) {
                secrets.add(SecretFactory.tlsCertificate(id, svids.get(i)));
                names.remove(id);
            } else if (i == 0 && names.contains(aliases.defaultSvid())) {
                secrets.add(SecretFactory.tlsCertificate(aliases.defaultSvid(), svids.get(i)));
                names.remove(aliases.defaultSvid());
            }
        }
        if (!names.isEmpty()) {
            return new Resolution(null, Status.INVALID_ARGUMENT.withDescription(notAuthorized(List.copyOf(names))));
        }
        return new Resolution(secrets.stream().map(Any::pack).toList(), null);
    }

    /** SPIRE's message, the sorted names Go-quoted; a list longer than {@link #MAX_ECHOED} is cut. */
    static String notAuthorized(List<String> sortedNames) {
        String quoted = GoQuoted.list(sortedNames);
        if (quoted.length() > MAX_ECHOED) {
            quoted = quoted.substring(0, MAX_ECHOED) + "… (" + sortedNames.size() + " names)";
        }
        return NOT_AUTHORIZED + quoted;
    }

    private static Secret validationContext(String name, List<X509Bundle> bundles, ValidationMode mode) {
        return mode == ValidationMode.SPIFFE_VALIDATOR
                ? SecretFactory.spiffeValidationContext(name, bundles)
                : SecretFactory.trustedCaValidationContext(name, bundles.get(0));
    }
}
