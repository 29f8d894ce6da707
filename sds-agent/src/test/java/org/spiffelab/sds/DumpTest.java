package org.spiffelab.sds;

import static org.assertj.core.api.Assertions.assertThat;

import io.spiffe.bundle.x509bundle.X509Bundle;
import io.spiffe.spiffeid.TrustDomain;
import io.spiffe.svid.x509svid.X509Svid;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.spiffelab.harness.pki.TestCa;
import org.spiffelab.sds.secrets.Aliases;
import org.spiffelab.sds.secrets.ValidationMode;
import org.spiffelab.sds.workload.WorkloadSnapshot;

class DumpTest {

    @Test
    void listsEveryServableNameAndNeverAKey() throws Exception {
        TestCa ca = new TestCa("example.org");
        TestCa.Leaf leaf = ca.issue("spiffe://example.org/ns/demo/sa/customer-service");
        X509Svid svid = X509Svid.parseRaw(leaf.certificate().getEncoded(), leaf.key().getEncoded());
        WorkloadSnapshot snapshot = new WorkloadSnapshot(7, List.of(svid),
                Map.of(TrustDomain.parse("example.org"), new X509Bundle(TrustDomain.parse("example.org"), Set.of(ca.certificate()))));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Dump.print(snapshot, Aliases.SPIRE_DEFAULTS, ValidationMode.SPIFFE_VALIDATOR, new PrintStream(out, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("version 7", "spiffe://example.org/ns/demo/sa/customer-service  serial "
                + leaf.certificate().getSerialNumber().toString(16));
        assertThat(text).containsPattern("spiffe://example.org\\s+-> validation_context, SPIFFE validator for \\[example.org]");
        assertThat(text).containsPattern("default\\s+-> tls_certificate");
        assertThat(text).containsPattern("ALL\\s+-> validation_context");
        assertThat(text).doesNotContain("PRIVATE KEY").doesNotContain("BEGIN");
    }
}
