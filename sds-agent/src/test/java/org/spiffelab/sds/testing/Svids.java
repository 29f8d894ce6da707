package org.spiffelab.sds.testing;

import com.google.protobuf.ByteString;
import io.spiffe.workloadapi.grpc.Workload.X509SVID;
import io.spiffe.workloadapi.grpc.Workload.X509SVIDResponse;
import java.io.ByteArrayOutputStream;
import java.security.cert.X509Certificate;
import org.spiffelab.harness.pki.TestCa;

/** Workload API X.509 responses minted by test CAs. */
public final class Svids {

    private Svids() {
    }

    /** A response with one SVID per ID from {@code ca}, the CA's bundle, and the federated CAs' bundles. */
    public static X509SVIDResponse response(TestCa ca, java.util.List<String> spiffeIds, TestCa... federated) throws Exception {
        X509SVIDResponse.Builder response = X509SVIDResponse.newBuilder();
        for (String id : spiffeIds) {
            TestCa.Leaf leaf = ca.issue(id);
            response.addSvids(X509SVID.newBuilder().setSpiffeId(id).setX509Svid(der(leaf.chain()))
                    .setX509SvidKey(ByteString.copyFrom(leaf.key().getEncoded()))
                    .setBundle(der(java.util.List.of(ca.certificate()))));
        }
        for (TestCa other : federated) {
            response.putFederatedBundles("spiffe://" + other.trustDomain(), der(java.util.List.of(other.certificate())));
        }
        return response.build();
    }

    private static ByteString der(java.util.List<X509Certificate> certificates) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (X509Certificate certificate : certificates) {
            out.write(certificate.getEncoded());
        }
        return ByteString.copyFrom(out.toByteArray());
    }
}
