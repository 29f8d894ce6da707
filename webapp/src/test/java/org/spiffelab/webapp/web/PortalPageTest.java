package org.spiffelab.webapp.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.spiffelab.webapp.config.Scenario;
import org.spiffelab.webapp.customer.PortalResult;
import org.spiffelab.webapp.tls.CertificateTimeline;
import org.spiffelab.webapp.workload.JwtSvidSummary;

class PortalPageTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String WEBAPP = "spiffe://example.org/ns/demo/sa/webapp";
    static final String WEBAPP_2 = "spiffe://example.org/ns/demo/sa/webapp-2";
    static final String CUSTOMER_SERVICE = "spiffe://example.org/ns/demo/sa/customer-service";
    static final PortalView.Identity ME = identity(WEBAPP);
    static final String DIRECT = "https://customer-service:8443";
    static final String SIDECAR = "http://127.0.0.1:9001";
    static final List<CertificateTimeline.Entry> OWN = List.of(
            new CertificateTimeline.Entry("abc123", "2026-11-25T10:00:20Z", "2026-11-25T10:00:50Z", "2026-11-25T10:00:31Z"),
            new CertificateTimeline.Entry("abc122", "2026-11-25T10:00:00Z", "2026-11-25T10:00:30Z", "2026-11-25T10:00:10Z"));
    static final List<CertificateTimeline.Entry> PEER = List.of(
            new CertificateTimeline.Entry("5eed01", "2026-11-25T09:00:00Z", "2026-11-25T10:00:10Z", "2026-11-25T09:30:00Z"));

    static PortalView.Identity identity(String spiffeId) {
        return new PortalView.Identity(spiffeId, "example.org", "abc123", "2026-11-22T06:00:00Z", 3, CUSTOMER_SERVICE, "5eed01");
    }

    static PortalView view(String title, Scenario scenario, PortalView.Identity id, String url, PortalResult result, JwtSvidSummary jwt) {
        return new PortalView(title, scenario, id, url, CUSTOMER_SERVICE, url.startsWith("http:") ? "via the forward Envoy" : "direct mTLS",
                result, OWN, url.startsWith("http:") ? List.of() : PEER, jwt);
    }

    static PortalResult data(String authorizedSubject) throws Exception {
        return new PortalResult.Data(
                JSON.readTree("{\"id\":\"1001\",\"name\":\"Ada Lovelace\",\"email\":\"ada@example.org\",\"tier\":\"gold\",\"account\":\"DE44\"}"),
                JSON.readTree("{\"available\":\"12840.55\",\"currency\":\"EUR\",\"asOf\":\"2026-11-21\"}"),
                JSON.readTree("{\"transactions\":[{\"date\":\"2026-11-18\",\"description\":\"Salary\",\"amount\":\"4200.00\"}]}"),
                authorizedSubject);
    }

    static final PortalResult RBAC_DENIED = new PortalResult.Failure(PortalResult.Reason.DENIED_BY_POLICY,
            "customer-service's policy denied this request (HTTP 403)", 403, "RBAC: access denied");

    @Test
    void showsBalanceTransactionsAndIdentity() throws Exception {
        String html = PortalPage.render(view("webapp", Scenario.RBAC, ME, DIRECT, data(null), null));
        assertThat(html).contains("Ada Lovelace", "12840.55 EUR", "Salary", "4200.00", PortalPage.breakable(ME.spiffeId()), "abc123",
                "<dd>3 (this page refreshes", "http-equiv=\"refresh\" content=\"10\"", "Verified server ID", "<dt>Route</dt><dd>direct mTLS</dd>");
        assertThat(html).doesNotContain("Authorized by JWT-SVID", "id=\"jwt-svid\"");
    }

    @Test
    void namesTheScenarioAndItsLabOrSaysItIsNotSet() throws Exception {
        String rbac = PortalPage.render(view("webapp", Scenario.RBAC, ME, DIRECT, data(null), null));
        assertThat(text(rbac)).contains("Scenario rbac · Lab 2 — Authorization by SPIFFE ID · read docs/02-rbac.md");
        assertThat(rbac).contains("Scenario <b>rbac</b>", "read <code>docs/");
        assertThat(text(PortalPage.render(view("webapp", Scenario.SDS_AGENT, ME, DIRECT, data(null), null)))).contains("docs/03-sds-agent.md");
        assertThat(text(PortalPage.render(view("webapp", null, ME, DIRECT, data(null), null))))
                .contains("Scenario: not set", "LAB_SCENARIO=x509|rbac|sds-agent|jwt").doesNotContain("docs/0");
    }

    @Test
    void whatHappenedNamesThisWorkloadsOwnIdNeverTheOthers() throws Exception {
        String second = PortalPage.render(view("webapp-2", Scenario.RBAC, identity(WEBAPP_2), DIRECT, RBAC_DENIED, null));
        String steps = text(second.substring(second.indexOf("id=\"what-happened\""), second.indexOf("</section>", second.indexOf("id=\"what-happened\""))));
        assertThat(steps).contains("This workload, " + WEBAPP_2 + ", presented its X.509-SVID")
                .doesNotContain("webapp presented").doesNotContainPattern(java.util.regex.Pattern.quote(WEBAPP) + "(?!-2)");
        assertThat(steps).as("the handshake proved the server before the policy said no")
                .contains("customer-service presented " + CUSTOMER_SERVICE + " (serial 5eed01)");
        assertThat(steps).contains("RBAC policy answered 403: the policy does not list " + WEBAPP_2);
        assertThat(second).contains("This workload, <code>" + PortalPage.breakable(WEBAPP_2) + "</code>");
        String direct = text(PortalPage.render(view("webapp", Scenario.X509, ME, DIRECT, data(null), null)));
        assertThat(direct).contains("What happened on this request", "This workload, " + WEBAPP + ",",
                "serial abc123", "(serial 5eed01)", "verified against the example.org trust bundle", "it is the pinned ID", "nginx: 200");
    }

    @Test
    void anRbacDenialSaysWhoWasRefusedAndWhereTheAllowListLivesNotAnIdItCannotKnow() {
        String html = PortalPage.render(view("webapp-2", Scenario.RBAC, identity(WEBAPP_2), DIRECT, RBAC_DENIED, null));
        assertThat(text(html)).contains("Access denied by customer-service's policy", "RBAC: access denied",
                "policy does not allow " + WEBAPP_2 + ".", "principals of the RBAC filter", "customer-service/envoy/envoy-rbac.yaml",
                "scripts/lab.sh check rbac");
        assertThat(html).contains("policy does not allow <code>" + PortalPage.breakable(WEBAPP_2) + "</code>", "<code>principals</code>");
        // No allowed ID is claimed: the webapp cannot see the live policy.
        assertThat(html).doesNotContain(PortalPage.breakable(WEBAPP) + "</code>");
    }

    @Test
    void denialShowsTheEscapedBodyNeverAStackTrace() {
        PortalResult denied = new PortalResult.Failure(PortalResult.Reason.DENIED_BY_POLICY, "denied (HTTP 403)", 403,
                "RBAC: access denied <script>alert(1)</script>");
        String html = PortalPage.render(view("webapp-2", Scenario.RBAC, ME, DIRECT, denied, null));
        assertThat(html).contains("denied (HTTP 403)", "RBAC: access denied &lt;script&gt;");
        assertThat(html).doesNotContain("<script>").doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void inJwtTheTokensHeaderAndClaimsAndItsVerifierAreShownNeverItsSignature() throws Exception {
        JwtSvidSummary jwt = new JwtSvidSummary("ES256", "k7Tq", "JWT", List.of(CUSTOMER_SERVICE), WEBAPP,
                "2026-11-25T10:05:00Z", "2026-11-25T10:00:00Z", null);
        String allowed = PortalPage.render(view("webapp", Scenario.JWT, ME, SIDECAR, data(WEBAPP), jwt));
        assertThat(allowed).contains("<th>header alg</th><td>ES256</td>", "<th>header kid</th><td>k7Tq</td>",
                "<th>header typ</th><td>JWT</td>", "<th>claim sub</th><td>" + PortalPage.breakable(WEBAPP),
                "<th>claim aud</th><td>" + PortalPage.breakable(CUSTOMER_SERVICE));
        assertThat(text(allowed)).contains("This workload's JWT-SVID", "claim exp2026-11-25T10:05:00Z", "claim iat2026-11-25T10:00:00Z",
                "The signature is not shown", "Verified by: customer-service's sds-agent (ext_authz, validate mode)",
                "Authorized by JWT-SVID", "forward Envoy");
        PortalResult notAllowed = new PortalResult.Failure(PortalResult.Reason.DENIED_BY_POLICY, "denied", 403,
                "subject " + WEBAPP_2 + " is not allowed");
        String denied = PortalPage.render(view("webapp-2", Scenario.JWT, identity(WEBAPP_2), SIDECAR, notAllowed, jwt));
        assertThat(text(denied)).contains("found the token genuine and refused its subject: subject " + WEBAPP_2 + " is not allowed",
                "--jwt-allowed-subjects", "its allow-list answered 403: it does not list " + WEBAPP_2);
        String unavailable = PortalPage.render(view("webapp", Scenario.JWT, ME, SIDECAR, data(WEBAPP),
                JwtSvidSummary.unavailable("the Workload API did not answer within 2000 ms")));
        assertThat(text(unavailable)).contains("No JWT-SVID to show: the Workload API did not answer within 2000 ms.");
    }

    @Test
    void certificatesOverTimeShowEachSerialItsLifetimeAndWhenItWasSeen() throws Exception {
        String html = PortalPage.render(view("webapp", Scenario.SDS_AGENT, ME, DIRECT, data(null), null));
        assertThat(html).contains("Certificates over time",
                "<li class=\"newest\"><code class=\"serial\">abc123</code> <span class=\"tag\">newest</span> <small>valid 10:00:20 → 10:00:50 (30 s) · first seen 10:00:31",
                "<li><code class=\"serial\">abc122</code> <small>valid 10:00:00 → 10:00:30 (30 s)",
                "id=\"peer-certificates\"><li class=\"newest\"><code class=\"serial\">5eed01</code>", "(60 min)");
        String behindForwardEnvoy = PortalPage.render(view("webapp", Scenario.JWT, ME, SIDECAR, data(WEBAPP), null));
        assertThat(behindForwardEnvoy).contains("not visible here: the pod&#39;s forward Envoy holds the TLS connection");
        assertThat(PortalPage.lifetime("2026-11-25T10:00:00Z", "2026-11-25T11:00:00Z")).isEqualTo("60 min");
        assertThat(PortalPage.lifetime("2026-11-25T10:00:00Z", "2026-11-26T10:00:00Z")).isEqualTo("24 h");
    }

    @Test
    void longIdsWrapBetweenSegmentsNeverInsideAWord() {
        String html = PortalPage.render(view("webapp", Scenario.RBAC, ME, DIRECT,
                new PortalResult.Failure(PortalResult.Reason.UNREACHABLE, "no route", 0, ""), null));
        assertThat(html).contains("<span class=\"nw\">spiffe:</span>/<wbr>/<wbr><span class=\"nw\">example.org</span>/<wbr>",
                        "<span class=\"nw\">customer-service</span>", ".nw{white-space:nowrap}")
                .doesNotContain("break-all");
    }

    /** A browser also breaks after a hyphen: hyphenated words of the text stay whole, IDs keep their own break points. */
    @Test
    void hyphenatedWordsOfTheTextAreKeptWhole() {
        String html = PortalPage.render(view("webapp-2", Scenario.RBAC, identity(WEBAPP_2), DIRECT, RBAC_DENIED, null));
        assertThat(html).contains("Access denied by <span class=\"nw\">customer-service</span>&#39;s policy",
                        "<title>webapp-2 · customer portal</title>", "<pre id=\"response-body\">RBAC: access denied</pre>")
                .doesNotContain("<span class=\"nw\"><span class=\"nw\">");
        assertThat(PortalPage.keepHyphenatedWords("<p>a X.509-SVID, <span class=\"nw\">webapp-2</span><br>co-op</p>"))
                .isEqualTo("<p>a <span class=\"nw\">X.509-SVID</span>, <span class=\"nw\">webapp-2</span><br><span class=\"nw\">co-op</span></p>");
    }

    /** Prose wraps at spaces, never hyphenated ("customer-s ervice"); only a serial-like identifier may wrap anywhere. */
    @Test
    void proseWrapsAtSpacesOnlyAndOnlyIdentifiersAnywhere() {
        String html = PortalPage.render(view("webapp", Scenario.RBAC, ME, DIRECT,
                new PortalResult.Failure(PortalResult.Reason.UNREACHABLE, "no route", 0, ""), null));
        List<String> rules = List.of(html.substring(html.indexOf("<style>") + 7, html.indexOf("</style>")).split("}"));
        assertThat(rules).filteredOn(rule -> rule.strip().startsWith("body{")).singleElement().asString()
                .contains("overflow-wrap:normal", "word-break:normal", "hyphens:manual");
        assertThat(rules).filteredOn(rule -> rule.contains("anywhere")).singleElement().asString()
                .isEqualToIgnoringWhitespace(".id,.serial,.jwt td{overflow-wrap:anywhere");
        assertThat(html).contains("<dt>SVID serial</dt><dd class=\"id\">" + ME.serial() + "</dd>");
    }

    @Test
    void behindTheForwardEnvoyTheServerIsCheckedThereNotMissing() {
        PortalView.Identity noPeer = new PortalView.Identity(ME.spiffeId(), ME.trustDomain(), ME.serial(), ME.notAfter(), 0, null, null);
        String html = PortalPage.render(view("webapp", Scenario.JWT, noPeer, SIDECAR,
                new PortalResult.Failure(PortalResult.Reason.UNREACHABLE, "no route", 0, ""), null));
        assertThat(html).contains("checked by the pod&#39;s forward Envoy").doesNotContain("<dt>Verified server ID</dt><dd>—</dd>");
    }

    @Test
    void everyFailureSaysWhatHappened() {
        String handshake = PortalPage.render(view("webapp", Scenario.X509, ME, DIRECT,
                new PortalResult.Failure(PortalResult.Reason.TLS_HANDSHAKE_FAILED, "handshake failed", 0, ""), null));
        assertThat(handshake).contains("failed before any HTTP");
        for (PortalResult.Reason reason : PortalResult.Reason.values()) {
            StringBuilder html = new StringBuilder();
            PortalPage.renderWhatHappened(html, view("webapp", Scenario.JWT, ME, SIDECAR, new PortalResult.Failure(reason, "m", 403, "b"), null));
            assertThat(html).as(reason.name()).contains("<li>", "JWT-SVID");
            assertThat(PortalPage.headline(reason)).isNotBlank();
        }
    }

    /** The page's text as a reader sees it: tags dropped, entities decoded. */
    private static String text(String html) {
        return html.replaceAll("(?s)<style.*?</style>", "").replaceAll("<[^>]*>", "").replace("&lt;", "<").replace("&gt;", ">")
                .replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&");
    }
}
