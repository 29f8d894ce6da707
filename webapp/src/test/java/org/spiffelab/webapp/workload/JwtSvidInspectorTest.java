package org.spiffelab.webapp.workload;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class JwtSvidInspectorTest {

    @Test
    void asksForTheAudienceAndSummarizes() {
        try (JwtSvidInspector inspector = new JwtSvidInspector(
                audience -> JwtSvidSummaryTest.token("{\"aud\":[\"" + audience + "\"],\"sub\":\"spiffe://example.org/ns/demo/sa/webapp\"}"),
                Duration.ofSeconds(5))) {
            assertThat(inspector.inspect("spiffe://example.org/ns/demo/sa/customer-service").audience())
                    .containsExactly("spiffe://example.org/ns/demo/sa/customer-service");
        }
    }

    @Test
    void aHungWorkloadApiCostsAViewItsTimeoutAndLaterViewsNothing() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch asked = new CountDownLatch(1);
        try (JwtSvidInspector inspector = new JwtSvidInspector(audience -> {
            asked.countDown();
            release.await();
            return "never.used.here";
        }, Duration.ofMillis(200))) {
            assertThat(inspector.inspect("aud").problem()).contains("did not answer within 200 ms");
            assertThat(asked.getCount()).isZero();
            // The first fetch still hangs: the next view is told at once instead of queueing behind it.
            assertThat(inspector.inspect("aud").problem()).contains("has not answered the previous request");
        } finally {
            release.countDown();
        }
    }

    @Test
    void aFailedFetchIsExplained() {
        try (JwtSvidInspector inspector = new JwtSvidInspector(audience -> {
            throw new IllegalStateException("no identity issued");
        }, Duration.ofSeconds(5))) {
            assertThat(inspector.inspect("aud").problem()).contains("issued none: no identity issued");
        }
    }
}
