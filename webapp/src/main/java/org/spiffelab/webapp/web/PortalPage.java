package org.spiffelab.webapp.web;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Pattern;
import org.spiffelab.webapp.config.Scenario;
import org.spiffelab.webapp.customer.PortalResult;
import org.spiffelab.webapp.tls.CertificateTimeline;
import org.spiffelab.webapp.workload.JwtSvidSummary;

/**
 * The portal as HTML, a page that teaches: which lab it belongs to; the customer's profile and balance, or the reason
 * why not; what happened on this request, step by step; in scenario jwt the JWT-SVID's header and claims and who
 * verified it; this workload's and customer-service's certificates over time; the identity panel.
 */
public final class PortalPage {

    /** Seconds between automatic reloads: a rotation shows up as a new serial without anyone pressing F5. */
    static final int REFRESH_SECONDS = 10;

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

    private PortalPage() {
    }

    public static String render(PortalView view) {
        StringBuilder html = new StringBuilder(8192);
        html.append("""
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><title>%1$s · customer portal</title>
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <meta http-equiv="refresh" content="%2$d">
                <style>
                 body{font-family:system-ui,sans-serif;margin:0;background:#f4f6fa;color:#1d2733;line-height:1.4;overflow-wrap:normal;word-break:normal;hyphens:manual}
                 .id,.serial,.jwt td{overflow-wrap:anywhere}
                 header{background:#17324d;color:#fff;padding:12px 28px} header h1{margin:0;font-size:20px}
                 header p{margin:4px 0 0;font-size:14px;color:#cfdbe8} header code{color:#fff}
                 main{display:grid;grid-template-columns:minmax(0,2fr) minmax(0,1fr);gap:20px;padding:20px 28px}
                 main>div,aside{display:flex;flex-direction:column;gap:16px;min-width:0}
                 section{background:#fff;border-radius:8px;padding:14px 20px;box-shadow:0 1px 3px #0002}
                 h2{font-size:16px;margin:0 0 8px} h3{font-size:14px;margin:12px 0 4px} section p{margin:6px 0}
                 .balance{font-size:32px;font-weight:600;color:#11643a}
                 table{border-collapse:collapse;width:100%%} td,th{padding:5px 8px;border-bottom:1px solid #e3e7ee;text-align:left;vertical-align:top}
                 td.amount{text-align:right;font-variant-numeric:tabular-nums}
                 dl{margin:0} dt{font-weight:600;margin-top:8px} dd{margin:0;word-break:normal}
                 .pair{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:16px}
                 dl.facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:4px 14px} dl.facts dt{margin:0}
                 ol{margin:0;padding-left:22px} li{margin:4px 0}
                 .nw{white-space:nowrap} .note{color:#4a5868;font-size:13px;margin:4px 0}
                 .timeline{list-style:none;padding:0} .timeline li{border-left:3px solid #c6d3e1;padding-left:8px}
                 .timeline li.newest{border-left-color:#11643a} .serial{font-size:12px}
                 .tag{background:#e3f1e8;color:#11643a;border-radius:4px;padding:0 5px;font-size:12px}
                 .error{border-left:6px solid #b3261e} .error h2{color:#b3261e}
                 pre{background:#f6f1f1;padding:8px;white-space:pre-wrap;margin:4px 0}
                 .jwt th{width:9em;font-weight:600;font-size:14px} .jwt td{font-family:ui-monospace,monospace;font-size:13px}
                </style></head><body>
                <header><h1>%1$s · customer portal</h1>
                """.formatted(escape(view.title()), REFRESH_SECONDS));
        renderScenario(html, view.scenario());
        html.append("</header><main><div>");
        if (view.result() instanceof PortalResult.Data data) {
            renderData(html, data);
        } else if (view.result() instanceof PortalResult.Failure failure) {
            renderFailure(html, failure, view);
        }
        renderWhatHappened(html, view);
        if (view.jwtSvid() != null) {
            renderJwtSvid(html, view);
        }
        renderCertificates(html, view);
        if (view.result() instanceof PortalResult.Data data) {
            renderTransactions(html, data);
        }
        html.append("</div><aside>");
        renderIdentity(html, view);
        html.append("</aside></main></body></html>\n");
        return keepHyphenatedWords(html.toString());
    }

    private static final Pattern HYPHENATED = Pattern.compile("[\\w.]+(?:-[\\w.]+)+");
    private static final Pattern VERBATIM = Pattern.compile("<(?:head|pre|style|title)\\b.*|.*\\bclass=\"nw\".*");
    private static final Pattern VOID = Pattern.compile("<(?:!|br|wbr|meta|img|hr|input|link)\\b.*|.*/>");

    /**
     * Prose wraps at spaces only, and a browser also breaks after a hyphen ("customer-" / "service's"): every hyphenated
     * word of the page's text is kept whole, except where text is verbatim (head, pre) or already kept (IDs' segments).
     */
    static String keepHyphenatedWords(String html) {
        StringBuilder out = new StringBuilder(html.length() + 1024);
        // Per open element: whether its text stays as it is (it, or an element around it, is verbatim).
        Deque<Boolean> verbatim = new ArrayDeque<>();
        int at = 0;
        while (at < html.length()) {
            int tag = html.indexOf('<', at);
            String text = html.substring(at, tag < 0 ? html.length() : tag);
            out.append(Boolean.TRUE.equals(verbatim.peek()) ? text : HYPHENATED.matcher(text).replaceAll("<span class=\"nw\">$0</span>"));
            if (tag < 0) {
                break;
            }
            int end = html.indexOf('>', tag) + 1;
            String element = html.substring(tag, end);
            out.append(element);
            if (element.startsWith("</")) {
                verbatim.poll();
            } else if (!VOID.matcher(element).matches()) {
                verbatim.push(Boolean.TRUE.equals(verbatim.peek()) || VERBATIM.matcher(element).matches());
            }
            at = end;
        }
        return out.toString();
    }

    /** The scenario and its lab page, a path in the lab's repository (the page is served far from any copy of the docs). */
    static void renderScenario(StringBuilder html, Scenario scenario) {
        if (scenario == null) {
            html.append("<p id=\"scenario\">Scenario: not set (start webapp with <code>LAB_SCENARIO=")
                    .append(escape(String.join("|", Scenario.names()))).append("</code> and this page names its lab)</p>");
            return;
        }
        html.append("<p id=\"scenario\">Scenario <b>").append(escape(scenario.id())).append("</b> · Lab ").append(scenario.lab())
                .append(" — ").append(escape(scenario.title())).append(" · read <code>").append(escape(scenario.doc()))
                .append("</code> in the lab's repository</p>");
    }

    private static void renderData(StringBuilder html, PortalResult.Data data) {
        JsonNode p = data.profile();
        JsonNode b = data.balance();
        html.append("<div class=\"pair\"><section id=\"profile\"><h2>").append(escape(p.path("name").asText())).append("</h2><dl class=\"facts\">")
                .append(item("Customer", p.path("id").asText()))
                .append(item("E-mail", p.path("email").asText()))
                .append(item("Tier", p.path("tier").asText()))
                .append(item("Account", p.path("account").asText()))
                .append("</dl></section>");
        html.append("<section id=\"balance\"><h2>Available balance</h2><div class=\"balance\">")
                .append(escape(b.path("available").asText())).append(' ').append(escape(b.path("currency").asText()))
                .append("</div><small>as of ").append(escape(b.path("asOf").asText())).append("</small></section></div>");
        if (data.authorizedSubject() != null && !data.authorizedSubject().isEmpty()) {
            html.append("<section id=\"authorized\"><h2>Authorized by JWT-SVID</h2><p>customer-service validated the token of <code>")
                    .append(breakable(data.authorizedSubject())).append("</code></p></section>");
        }
    }

    private static void renderTransactions(StringBuilder html, PortalResult.Data data) {
        html.append("<section id=\"transactions\"><h2>Recent transactions</h2><table><tr><th>Date</th><th>Description</th>"
                + "<th>Amount</th></tr>");
        for (JsonNode tx : data.transactions().path("transactions")) {
            html.append("<tr><td>").append(escape(tx.path("date").asText())).append("</td><td>")
                    .append(escape(tx.path("description").asText())).append("</td><td class=\"amount\">")
                    .append(escape(tx.path("amount").asText())).append("</td></tr>");
        }
        html.append("</table></section>");
    }

    private static void renderFailure(StringBuilder html, PortalResult.Failure failure, PortalView view) {
        String me = view.identity().spiffeId();
        html.append("<section id=\"error\" class=\"error\"><h2>").append(escape(headline(failure.reason()))).append("</h2><p id=\"reason\">")
                .append(escape(failure.message())).append("</p>");
        if (failure.reason() == PortalResult.Reason.DENIED_BY_POLICY && me != null) {
            // The handshake worked: the policy, not TLS, said no — to this identity.
            html.append("<p id=\"denied-identity\">").append(view.customerServiceUrl().startsWith("http://")
                            ? "The forward Envoy's TLS handshake succeeded and the JWT-SVID was genuine"
                            : "The TLS handshake succeeded")
                    .append("; customer-service's policy does not allow <code>").append(breakable(me)).append("</code>.</p>");
            html.append("<p id=\"allowed\">").append(whereThePolicyLives(failure, view)).append("</p>");
        }
        if (!failure.body().isEmpty()) {
            html.append("<p>customer-service said:</p><pre id=\"response-body\">").append(escape(failure.body())).append("</pre>");
        }
        html.append("</section>");
    }

    /**
     * Which IDs the policy allows, told honestly. The allow-list is customer-service's configuration (its Envoy's RBAC
     * filter, or its sds-agent's --jwt-allowed-subjects); a client is never sent it, and a denial that listed it would
     * hand the policy to every caller. A webapp setting repeating "the allowed ID" would be a second copy that this
     * page would present as the policy's word while the live policy says otherwise — exactly in the labs where the
     * attendee writes the policy, or in the rbac-typo fault. So the page names what it observed (this ID was refused
     * after a good handshake), which component refused it (told by the answer itself: Envoy's RBAC filter answers
     * "RBAC: access denied"), and where the live allow-list is read: `scripts/lab.sh check`, which reads the running
     * Envoy's /config_dump.
     */
    static String whereThePolicyLives(PortalResult.Failure failure, PortalView view) {
        if (failure.body().startsWith("RBAC:")) {
            return "Which IDs it allows is customer-service's own configuration, never sent to a client: the "
                    + "<code>principals</code> of the RBAC filter in its Envoy config (<code>customer-service/envoy/envoy-rbac.yaml</code>;"
                    + " in the workshop, your <code>work/envoy.yaml</code>). <code>scripts/lab.sh check rbac</code> prints the ones the"
                    + " running Envoy holds.";
        }
        if (view.customerServiceUrl().startsWith("http://")) {
            return "Which subjects it allows is customer-service's own configuration, never sent to a client: its sds-agent's"
                    + " allow-list, <code>--jwt-allowed-subjects</code> (<code>docs/04-jwt.md</code>).";
        }
        return "Which IDs it allows is customer-service's own configuration, never sent to a client.";
    }

    /**
     * This request, step by step, in the words of the labs: which SVID was presented, what was verified against what,
     * and what the policy decided. Built only from what this webapp saw itself, and naming this workload by its own
     * SPIFFE ID (webapp and webapp-2 run the same code).
     */
    static void renderWhatHappened(StringBuilder html, PortalView view) {
        PortalView.Identity id = view.identity();
        boolean viaSidecar = view.customerServiceUrl().startsWith("http://");
        String me = id.spiffeId() == null ? null : "<code>" + breakable(id.spiffeId()) + "</code>";
        List<String> steps = new ArrayList<>();
        if (me == null) {
            steps.add("This webapp holds no SVID: the SPIRE agent's Workload API issued it none (is it registered? can it reach the socket?).");
        } else if (viaSidecar) {
            steps.add("This workload, " + me + ", sent a plain HTTP request to its pod's forward Envoy (" + breakable(view.customerServiceUrl()) + ").");
            steps.add("The forward Envoy's sds-agent added this pod's JWT-SVID (subject " + me + ", audience <code>"
                    + breakable(view.expectedPeer()) + "</code>) and the forward Envoy opened mTLS with the pod's X.509-SVID,"
                    + " accepting only a server that presents <code>" + breakable(view.expectedPeer()) + "</code>.");
        } else {
            steps.add("This workload, " + me + ", presented its X.509-SVID (serial " + escape(orDash(id.serial()))
                    + ") as its TLS client certificate.");
        }
        PortalResult result = view.result();
        if (!viaSidecar && id.peer() != null) {
            // A response came over TLS: the server proved the pinned ID on that connection.
            steps.add("customer-service presented <code>" + breakable(id.peer()) + "</code> (serial " + escape(orDash(id.peerSerial()))
                    + "): its chain verified against the " + escape(orDash(id.trustDomain()))
                    + " trust bundle from this workload's Workload API, and it is the pinned ID.");
        }
        if (result instanceof PortalResult.Data data) {
            if (data.authorizedSubject() != null && !data.authorizedSubject().isEmpty()) {
                steps.add("customer-service's sds-agent verified the JWT-SVID (signature against the JWT bundle, exp, audience)"
                        + " and its allow-list admitted <code>" + breakable(data.authorizedSubject()) + "</code>.");
            } else {
                steps.add("customer-service's Envoy verified this workload's certificate against its trust bundle and let the"
                        + " request through to nginx: 200.");
            }
        } else if (result instanceof PortalResult.Failure failure) {
            String who = me == null ? "this identity" : me;
            steps.add(switch (failure.reason()) {
                case DENIED_BY_POLICY -> failure.body().startsWith("RBAC:")
                        ? "The handshake worked (customer-service verified this workload's certificate), then its Envoy's RBAC"
                                + " policy answered " + failure.status() + ": the policy does not list " + who + "."
                        : viaSidecar
                                ? "customer-service's sds-agent verified the JWT-SVID (it is genuine), then its allow-list answered "
                                        + failure.status() + ": it does not list " + who + "."
                                : "The handshake worked, then customer-service's policy answered " + failure.status()
                                        + ": it does not allow " + who + ".";
                case NOT_AUTHENTICATED -> "customer-service found no valid JWT-SVID on the request: 401.";
                case SERVER_NOT_TRUSTED -> "This workload refused the server: it did not present the pinned ID <code>"
                        + breakable(view.expectedPeer()) + "</code>, or its chain did not verify against the trust bundle.";
                case TLS_HANDSHAKE_FAILED -> "The TLS handshake failed before any HTTP: customer-service refused this certificate"
                        + " (a client certificate it cannot verify against its trust bundle, or an expired one).";
                case UNREACHABLE -> "No connection to customer-service: its listener is not up (is Envoy still waiting for its"
                        + " certificate?).";
                case HTTP_ERROR -> "customer-service answered " + failure.status() + ".";
                case NO_SVID -> "No request was sent.";
            });
        }
        html.append("<section id=\"what-happened\"><h2>What happened on this request</h2><ol>");
        steps.forEach(step -> html.append("<li>").append(step).append("</li>"));
        html.append("</ol></section>");
    }

    /**
     * Scenario jwt: the JWT-SVID's header and claims, never its signature, and who verified it. webapp never handles
     * the token it sends (the forward Envoy's sds-agent adds it), so it shows the one the Workload API issues it for
     * the same audience, and says so.
     */
    static void renderJwtSvid(StringBuilder html, PortalView view) {
        JwtSvidSummary jwt = view.jwtSvid();
        html.append("<section id=\"jwt-svid\"><h2>This workload's JWT-SVID</h2>");
        if (jwt.problem() != null) {
            html.append("<p>No JWT-SVID to show: ").append(escape(jwt.problem())).append(".</p>");
        } else {
            html.append("<p class=\"note\">Issued by SPIRE for audience <code>").append(breakable(view.expectedPeer()))
                    .append("</code>: this webapp asked its Workload API for it to show you. The forward Envoy's sds-agent asks the"
                            + " same agent for the same audience and sends its token as <code>authorization: Bearer</code>"
                            + " (SPIRE's agent hands every caller of one identity the same token for an audience until half its life has passed,"
                            + " so normally this very one).</p>")
                    .append("<table class=\"jwt\">")
                    .append(row("header alg", jwt.alg())).append(row("header kid", jwt.kid())).append(row("header typ", jwt.typ()))
                    .append(row("claim sub", jwt.subject())).append(row("claim aud", String.join(", ", jwt.audience())))
                    .append(row("claim iat", jwt.issuedAt())).append(row("claim exp", jwt.expiresAt()))
                    .append("</table><p class=\"note\">The signature is not shown: a JWT-SVID is a bearer token, whoever holds it"
                            + " whole can use it until <code>exp</code>.</p>");
        }
        html.append("<p id=\"jwt-verifier\"><b>Verified by:</b> ").append(jwtVerdict(view.result())).append("</p></section>");
    }

    private static String jwtVerdict(PortalResult result) {
        if (result instanceof PortalResult.Data data && data.authorizedSubject() != null && !data.authorizedSubject().isEmpty()) {
            return "customer-service's sds-agent (ext_authz, validate mode): signature against SPIRE's JWT bundle (by <code>kid</code>),"
                    + " <code>exp</code>, <code>iat</code>, <code>aud</code>, then its allow-list admitted <code>"
                    + breakable(data.authorizedSubject()) + "</code> (nginx echoes it as <code>X-Authorized-Subject</code>).";
        }
        if (result instanceof PortalResult.Failure failure && failure.reason() == PortalResult.Reason.DENIED_BY_POLICY) {
            return "customer-service's sds-agent (ext_authz, validate mode) found the token genuine and refused its subject: "
                    + escape(failure.body());
        }
        if (result instanceof PortalResult.Failure failure && failure.reason() == PortalResult.Reason.NOT_AUTHENTICATED) {
            return "customer-service's sds-agent (ext_authz, validate mode) refused the token: " + escape(failure.body());
        }
        return "nobody on this request: it did not reach customer-service's sds-agent.";
    }

    static String headline(PortalResult.Reason reason) {
        return switch (reason) {
            case DENIED_BY_POLICY -> "Access denied by customer-service's policy";
            case NOT_AUTHENTICATED -> "customer-service did not accept this workload's token";
            case HTTP_ERROR -> "customer-service answered with an error";
            case SERVER_NOT_TRUSTED -> "Refused to talk to an unexpected server";
            case TLS_HANDSHAKE_FAILED -> "TLS handshake failed";
            case UNREACHABLE -> "customer-service is unreachable";
            case NO_SVID -> "No identity yet";
        };
    }

    private static void renderIdentity(StringBuilder html, PortalView view) {
        PortalView.Identity id = view.identity();
        html.append("<section id=\"identity\"><h2>Workload identity</h2><dl>")
                .append(item("My SPIFFE ID", orDash(id.spiffeId())))
                .append(item("Trust domain", orDash(id.trustDomain())))
                .append(identifier("SVID serial", orDash(id.serial())))
                .append(item("SVID expires", orDash(id.notAfter())))
                .append(item("Rotations seen", id.rotations() + " (this page refreshes every " + REFRESH_SECONDS
                        + " s: a rotation shows as a new serial)"))
                .append(item("customer-service URL", view.customerServiceUrl()))
                .append(item("Route", view.route()))
                .append(item("Accepted server ID", view.expectedPeer()))
                .append(item("Verified server ID", id.peer() != null ? id.peer()
                        : view.customerServiceUrl().startsWith("http://") ? "checked by the pod's forward Envoy (this webapp speaks plain HTTP to it)" : "—"))
                .append("</dl></section>");
    }

    /** Both parties' certificates, newest first: rotations, and how the lifetimes of successive SVIDs overlap. */
    static void renderCertificates(StringBuilder html, PortalView view) {
        html.append("<section id=\"certificates\"><h2>Certificates over time</h2><p class=\"note\">Newest first, times in UTC."
                + " A new SVID arrives well before the old one expires, so lifetimes overlap; SPIRE backdates <i>valid from</i>"
                + " by 10 s against clock skew.</p><h3>This workload's X.509-SVIDs</h3>");
        timeline(html, "own-certificates", view.svids(), "none yet: no SVID held");
        html.append("<h3>customer-service's certificates</h3>");
        timeline(html, "peer-certificates", view.peerCertificates(), view.customerServiceUrl().startsWith("http://")
                ? "not visible here: the pod's forward Envoy holds the TLS connection" : "none seen yet on this webapp's connections");
        html.append("</section>");
    }

    private static void timeline(StringBuilder html, String id, List<CertificateTimeline.Entry> entries, String empty) {
        if (entries.isEmpty()) {
            html.append("<p class=\"note\" id=\"").append(id).append("\">").append(escape(empty)).append("</p>");
            return;
        }
        html.append("<ol class=\"timeline\" id=\"").append(id).append("\">");
        boolean newest = true;
        for (CertificateTimeline.Entry entry : entries) {
            html.append(newest ? "<li class=\"newest\">" : "<li>").append("<code class=\"serial\">").append(escape(entry.serial()))
                    .append("</code>").append(newest ? " <span class=\"tag\">newest</span>" : "")
                    .append(" <small>valid ").append(clock(entry.notBefore())).append(" → ").append(clock(entry.notAfter()))
                    .append(" (").append(lifetime(entry.notBefore(), entry.notAfter())).append(") · first seen ")
                    .append(clock(entry.firstSeen())).append("</small></li>");
            newest = false;
        }
        html.append("</ol>");
    }

    private static String clock(String iso) {
        return CLOCK.format(Instant.parse(iso));
    }

    static String lifetime(String from, String until) {
        long seconds = Duration.between(Instant.parse(from), Instant.parse(until)).toSeconds();
        if (seconds < 120) {
            return seconds + " s";
        }
        return seconds < 7200 ? seconds / 60 + " min" : seconds / 3600 + " h";
    }

    private static String row(String term, String value) {
        return "<tr><th>" + escape(term) + "</th><td>" + (value == null ? "—" : value.contains("://") ? breakable(value) : escape(value))
                + "</td></tr>";
    }

    /** A long identifier without separators (a serial): the one kind of text that may wrap anywhere. */
    private static String identifier(String term, String value) {
        return "<dt>" + escape(term) + "</dt><dd class=\"id\">" + escape(value) + "</dd>";
    }

    private static String item(String term, String value) {
        // IDs and URLs wrap between segments; prose wraps between words as usual.
        return "<dt>" + escape(term) + "</dt><dd>" + (value.contains("://") ? breakable(value) : escape(value)) + "</dd>";
    }

    /** Escaped, with a line-break opportunity after each '/': long SPIFFE IDs and URLs wrap between segments, never mid-word. */
    static String breakable(String value) {
        // Segments never break inside (not even at the hyphen of customer-service); copying the text gives the ID back.
        StringBuilder out = new StringBuilder();
        for (String segment : value.split("/", -1)) {
            if (!out.isEmpty()) {
                out.append("/<wbr>");
            }
            if (!segment.isEmpty()) {
                out.append("<span class=\"nw\">").append(escape(segment)).append("</span>");
            }
        }
        return out.toString();
    }

    private static String orDash(String value) {
        return value == null ? "—" : value;
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
