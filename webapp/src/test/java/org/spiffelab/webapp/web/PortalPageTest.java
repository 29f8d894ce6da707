package org.spiffelab.webapp.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.spiffelab.webapp.customer.PortalResult;

class PortalPageTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final PortalView.Identity ME = new PortalView.Identity("spiffe://example.org/ns/demo/sa/webapp", "example.org",
            "abc123", "2026-11-22T06:00:00Z", 3, "spiffe://example.org/ns/demo/sa/customer-service");

    @Test
    void showsBalanceTransactionsAndIdentity() throws Exception {
        PortalResult data = new PortalResult.Data(
                JSON.readTree("{\"id\":\"1001\",\"name\":\"Ada Lovelace\",\"email\":\"ada@example.org\",\"tier\":\"gold\",\"account\":\"DE44\"}"),
                JSON.readTree("{\"available\":\"12840.55\",\"currency\":\"EUR\",\"asOf\":\"2026-11-21\"}"),
                JSON.readTree("{\"transactions\":[{\"date\":\"2026-11-18\",\"description\":\"Salary\",\"amount\":\"4200.00\"}]}"),
                "spiffe://example.org/ns/demo/sa/webapp");
        String html = PortalPage.render(new PortalView("webapp", ME, "https://customer-service:8443", ME.peer(), "direct mTLS", data));
        assertThat(html).contains("Ada Lovelace", "12840.55 EUR", "Salary", "4200.00", PortalPage.breakable(ME.spiffeId()), "abc123",
                "<dd>3 (this page refreshes", "http-equiv=\"refresh\"", "Verified server ID", "Authorized by JWT-SVID", "<dt>Route</dt><dd>direct mTLS</dd>");
    }

    @Test
    void denialShowsTheReasonAndTheEscapedBodyNeverAStackTrace() {
        PortalResult denied = new PortalResult.Failure(PortalResult.Reason.DENIED_BY_POLICY, "denied (HTTP 403)", 403,
                "RBAC: access denied <script>alert(1)</script>");
        String html = PortalPage.render(new PortalView("webapp-2", ME, "https://customer-service:8443", ME.peer(), "direct mTLS", denied));
        assertThat(html).contains("Access denied by customer-service&#39;s policy", "denied (HTTP 403)",
                "RBAC: access denied &lt;script&gt;");
        assertThat(html).doesNotContain("<script>").doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(html).contains("policy does not allow <code>" + PortalPage.breakable(ME.spiffeId()) + "</code>");
    }

    @Test
    void longIdsWrapBetweenSegmentsNeverInsideAWord() {
        String html = PortalPage.render(new PortalView("webapp", ME, "https://customer-service:8443", ME.peer(), "direct mTLS",
                new PortalResult.Failure(PortalResult.Reason.UNREACHABLE, "no route", 0, "")));
        assertThat(html).contains("<span class=\"nw\">spiffe:</span>/<wbr>/<wbr><span class=\"nw\">example.org</span>/<wbr>",
                        "<span class=\"nw\">customer-service</span>", ".nw{white-space:nowrap}")
                .doesNotContain("break-all").contains("word-break:normal");
    }

    @Test
    void behindTheForwardEnvoyTheServerIsCheckedThereNotMissing() {
        PortalView.Identity noPeer = new PortalView.Identity(ME.spiffeId(), ME.trustDomain(), ME.serial(), ME.notAfter(), 0, null);
        String html = PortalPage.render(new PortalView("webapp", noPeer, "http://127.0.0.1:9001", ME.peer(), "via the pod's forward Envoy",
                new PortalResult.Failure(PortalResult.Reason.UNREACHABLE, "no route", 0, "")));
        assertThat(html).contains("checked by the pod&#39;s forward Envoy").doesNotContain("<dt>Verified server ID</dt><dd>—</dd>");
    }

    @Test
    void thePageTellsWhatHappenedOnThisRequest() throws Exception {
        PortalResult data = new PortalResult.Data(JSON.readTree("{\"name\":\"Ada\"}"), JSON.readTree("{}"),
                JSON.readTree("{\"transactions\":[]}"), null);
        String direct = PortalPage.render(new PortalView("webapp", ME, "https://customer-service:8443", ME.peer(), "direct mTLS", data));
        assertThat(direct).contains("What happened on this request", "presented its X.509-SVID", "serial abc123",
                "verified against the example.org trust bundle", "it is the pinned ID");
        String handshake = PortalPage.render(new PortalView("webapp", ME, "https://customer-service:8443", ME.peer(), "direct mTLS",
                new PortalResult.Failure(PortalResult.Reason.TLS_HANDSHAKE_FAILED, "handshake failed", 0, "")));
        assertThat(handshake).contains("failed before any HTTP");
        for (PortalResult.Reason reason : PortalResult.Reason.values()) {
            StringBuilder html = new StringBuilder();
            PortalPage.renderWhatHappened(html, new PortalView("webapp", ME, "http://127.0.0.1:9001", ME.peer(), "via the forward Envoy",
                    new PortalResult.Failure(reason, "m", 403, "b")));
            assertThat(html).as(reason.name()).contains("<li>", "JWT-SVID");
        }
    }

    @Test
    void everyFailureReasonHasAHeadline() {
        for (PortalResult.Reason reason : PortalResult.Reason.values()) {
            assertThat(PortalPage.headline(reason)).isNotBlank();
        }
    }
}
