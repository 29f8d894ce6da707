package org.spiffelab.webapp.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.spiffelab.webapp.testing.TestPki;

class CertificateTimelineTest {

    @Test
    void oneRowPerSerialNewestFirstAndBounded() throws Exception {
        TestPki pki = new TestPki("example.org");
        CertificateTimeline timeline = new CertificateTimeline(3, Clock.fixed(Instant.parse("2026-11-25T10:00:00Z"), ZoneOffset.UTC));
        List<java.security.cert.X509Certificate> issued = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            issued.add(pki.issue("spiffe://example.org/ns/demo/sa/webapp").getLeaf());
        }
        timeline.saw(issued.get(0));
        timeline.saw(issued.get(0));
        assertThat(timeline.entries()).as("the same certificate seen twice is one row").hasSize(1);
        issued.forEach(timeline::saw);
        assertThat(timeline.entries()).extracting(CertificateTimeline.Entry::serial).containsExactly(
                issued.get(4).getSerialNumber().toString(16), issued.get(3).getSerialNumber().toString(16),
                issued.get(2).getSerialNumber().toString(16));
        CertificateTimeline.Entry newest = timeline.entries().get(0);
        assertThat(newest.notBefore()).isEqualTo(issued.get(4).getNotBefore().toInstant().toString());
        assertThat(newest.notAfter()).isEqualTo(issued.get(4).getNotAfter().toInstant().toString());
        assertThat(newest.firstSeen()).isEqualTo("2026-11-25T10:00:00Z");
    }
}
