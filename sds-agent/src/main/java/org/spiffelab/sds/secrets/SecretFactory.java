package org.spiffelab.sds.secrets;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.spiffe.bundle.x509bundle.X509Bundle;
import io.spiffe.svid.x509svid.X509Svid;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/** Envoy {@link Secret}s from SVIDs and bundles, shaped as the SPIRE agent's SDS shapes them. */
final class SecretFactory {

    static final String SPIFFE_VALIDATOR = "envoy.tls.cert_validator.spiffe";

    private SecretFactory() {
    }

    /** A TLS certificate: the full chain and the PKCS#8 key, inline PEM. */
    static Secret tlsCertificate(String name, X509Svid svid) {
        return Secret.newBuilder().setName(name).setTlsCertificate(TlsCertificate.newBuilder()
                        .setCertificateChain(inline(Pem.certificates(svid.getChain())))
                        .setPrivateKey(inline(Pem.privateKey(svid.getPrivateKey()))))
                .build();
    }

    /** A validation context for these bundles, with Envoy's SPIFFE validator (one entry per trust domain). */
    static Secret spiffeValidationContext(String name, Collection<X509Bundle> bundles) {
        SPIFFECertValidatorConfig.Builder config = SPIFFECertValidatorConfig.newBuilder();
        for (X509Bundle bundle : bundles) {
            config.addTrustDomains(SPIFFECertValidatorConfig.TrustDomain.newBuilder()
                    .setName(bundle.getTrustDomain().getName())
                    .setTrustBundle(inline(Pem.certificates(authorities(bundle)))));
        }
        return Secret.newBuilder().setName(name).setValidationContext(CertificateValidationContext.newBuilder()
                        .setCustomValidatorConfig(TypedExtensionConfig.newBuilder().setName(SPIFFE_VALIDATOR)
                                .setTypedConfig(Any.pack(config.build()))))
                .build();
    }

    /**
     * One trust domain's authorities as plain trusted CAs, for Envoy before 1.18 or when the SPIFFE validator is
     * disabled. Never several trust domains in one: a federated CA could then vouch for a local SPIFFE ID.
     */
    static Secret trustedCaValidationContext(String name, X509Bundle bundle) {
        return Secret.newBuilder().setName(name)
                .setValidationContext(CertificateValidationContext.newBuilder()
                        .setTrustedCa(inline(Pem.certificates(authorities(bundle)))))
                .build();
    }

    /**
     * A bundle's authorities oldest first (then by encoding): java-spiffe keeps them as a set, SPIRE serves them in the
     * order they joined the bundle, which for a CA that rotates is the order of their notBefore.
     */
    static List<X509Certificate> authorities(X509Bundle bundle) {
        List<X509Certificate> sorted = new ArrayList<>(bundle.getX509Authorities());
        sorted.sort(Comparator.comparing(X509Certificate::getNotBefore).thenComparing(SecretFactory::der, Arrays::compare));
        return sorted;
    }

    private static byte[] der(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static DataSource inline(byte[] pem) {
        return DataSource.newBuilder().setInlineBytes(ByteString.copyFrom(pem)).build();
    }
}
