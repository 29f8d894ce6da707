package org.spiffelab.webapp.web;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.spiffelab.webapp.customer.PortalResult;

/** The portal as HTML: identity panel, then the customer's profile, balance and transactions, or the reason why not. */
public final class PortalPage {

    private PortalPage() {
    }

    public static String render(PortalView view) {
        StringBuilder html = new StringBuilder(4096);
        html.append("""
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><title>%1$s · customer portal</title>
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <meta http-equiv="refresh" content="10">
                <style>
                 body{font-family:system-ui,sans-serif;margin:0;background:#f4f6fa;color:#1d2733}
                 header{background:#17324d;color:#fff;padding:14px 28px}
                 header h1{margin:0;font-size:20px} main{display:grid;grid-template-columns:2fr 1fr;gap:20px;padding:24px 28px}
                 section{background:#fff;border-radius:8px;padding:16px 20px;box-shadow:0 1px 3px #0002}
                 h2{font-size:16px;margin-top:0} .balance{font-size:32px;font-weight:600;color:#11643a}
                 table{border-collapse:collapse;width:100%%} td,th{padding:6px 8px;border-bottom:1px solid #e3e7ee;text-align:left}
                 td.amount{text-align:right;font-variant-numeric:tabular-nums} dt{font-weight:600;margin-top:8px} dd{margin:0;overflow-wrap:break-word;word-break:normal}
                 code{overflow-wrap:break-word} .nw{white-space:nowrap}
                 .error{border-left:6px solid #b3261e} .error h2{color:#b3261e} pre{background:#f6f1f1;padding:8px;white-space:pre-wrap}
                </style></head><body>
                <header><h1>%1$s · customer portal</h1></header><main><div>
                """.formatted(escape(view.title())));
        if (view.result() instanceof PortalResult.Data data) {
            renderData(html, data);
        } else if (view.result() instanceof PortalResult.Failure failure) {
            renderFailure(html, failure, view.identity().spiffeId());
        }
        renderWhatHappened(html, view);
        html.append("</div>");
        renderIdentity(html, view);
        html.append("</main></body></html>\n");
        return html.toString();
    }

    private static void renderData(StringBuilder html, PortalResult.Data data) {
        JsonNode p = data.profile();
        JsonNode b = data.balance();
        html.append("<section id=\"profile\"><h2>").append(escape(p.path("name").asText())).append("</h2><dl>")
                .append(item("Customer", p.path("id").asText()))
                .append(item("E-mail", p.path("email").asText()))
                .append(item("Tier", p.path("tier").asText()))
                .append(item("Account", p.path("account").asText()))
                .append("</dl></section>");
        if (data.authorizedSubject() != null && !data.authorizedSubject().isEmpty()) {
            html.append("<section id=\"authorized\"><h2>Authorized by JWT-SVID</h2><p>customer-service validated the token of <code>")
                    .append(escape(data.authorizedSubject())).append("</code></p></section>");
        }
        html.append("<section id=\"balance\"><h2>Available balance</h2><div class=\"balance\">")
                .append(escape(b.path("available").asText())).append(' ').append(escape(b.path("currency").asText()))
                .append("</div><small>as of ").append(escape(b.path("asOf").asText())).append("</small></section>");
        html.append("<section id=\"transactions\"><h2>Recent transactions</h2><table><tr><th>Date</th><th>Description</th>"
                + "<th>Amount</th></tr>");
        for (JsonNode tx : data.transactions().path("transactions")) {
            html.append("<tr><td>").append(escape(tx.path("date").asText())).append("</td><td>")
                    .append(escape(tx.path("description").asText())).append("</td><td class=\"amount\">")
                    .append(escape(tx.path("amount").asText())).append("</td></tr>");
        }
        html.append("</table></section>");
    }

    private static void renderFailure(StringBuilder html, PortalResult.Failure failure, String me) {
        html.append("<section id=\"error\" class=\"error\"><h2>").append(escape(headline(failure.reason()))).append("</h2><p id=\"reason\">")
                .append(escape(failure.message())).append("</p>");
        if (failure.reason() == PortalResult.Reason.DENIED_BY_POLICY && me != null) {
            // The handshake worked: the policy, not TLS, said no — to this identity.
            html.append("<p id=\"denied-identity\">The TLS handshake succeeded; customer-service's policy does not allow <code>")
                    .append(breakable(me)).append("</code>.</p>");
        }
        if (!failure.body().isEmpty()) {
            html.append("<p>customer-service said:</p><pre id=\"response-body\">").append(escape(failure.body())).append("</pre>");
        }
        html.append("</section>");
    }

    /**
     * This request, step by step, in the words of the labs: which SVID was presented, what was verified against what,
     * and what the policy decided. Built only from what this webapp saw itself.
     */
    static void renderWhatHappened(StringBuilder html, PortalView view) {
        PortalView.Identity id = view.identity();
        boolean viaSidecar = view.customerServiceUrl().startsWith("http://");
        List<String> steps = new java.util.ArrayList<>();
        if (id.spiffeId() == null) {
            steps.add("This webapp holds no SVID: the SPIRE agent's Workload API issued it none (is it registered? can it reach the socket?).");
        } else if (viaSidecar) {
            steps.add("webapp sent a plain HTTP request to its pod's forward Envoy (" + breakable(view.customerServiceUrl()) + ").");
            steps.add("The forward Envoy's sds-agent added this pod's JWT-SVID (subject <code>" + breakable(id.spiffeId())
                    + "</code>, audience <code>" + breakable(view.expectedPeer()) + "</code>) and the forward Envoy opened mTLS with"
                    + " the pod's X.509-SVID, accepting only a server that presents <code>" + breakable(view.expectedPeer()) + "</code>.");
        } else {
            steps.add("webapp presented its X.509-SVID <code>" + breakable(id.spiffeId()) + "</code> (serial " + escape(orDash(id.serial()))
                    + ") as its TLS client certificate.");
        }
        PortalResult result = view.result();
        if (result instanceof PortalResult.Data data) {
            if (!viaSidecar) {
                steps.add("customer-service presented <code>" + breakable(orDash(id.peer())) + "</code>: its chain verified against the "
                        + escape(orDash(id.trustDomain())) + " trust bundle from the Workload API, and it is the pinned ID.");
            }
            if (data.authorizedSubject() != null && !data.authorizedSubject().isEmpty()) {
                steps.add("customer-service's sds-agent verified the JWT-SVID (signature against the JWT bundle, exp, audience)"
                        + " and its allow-list admitted <code>" + breakable(data.authorizedSubject()) + "</code>.");
            } else {
                steps.add("customer-service's Envoy let the request through to nginx: 200.");
            }
        } else if (result instanceof PortalResult.Failure failure) {
            steps.add(switch (failure.reason()) {
                case DENIED_BY_POLICY -> "The handshake worked, then customer-service's policy answered " + failure.status()
                        + ": it does not allow this identity.";
                case NOT_AUTHENTICATED -> "customer-service found no valid JWT-SVID on the request: 401.";
                case SERVER_NOT_TRUSTED -> "webapp refused the server: it did not present the pinned ID <code>"
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
        html.append("<aside><section id=\"identity\"><h2>Workload identity</h2><dl>")
                .append(item("My SPIFFE ID", orDash(id.spiffeId())))
                .append(item("Trust domain", orDash(id.trustDomain())))
                .append(item("SVID serial", orDash(id.serial())))
                .append(item("SVID expires", orDash(id.notAfter())))
                .append(item("Rotations seen", Long.toString(id.rotations()) + " (this page refreshes every 10 s: a rotation shows as a new serial)"))
                .append(item("customer-service URL", view.customerServiceUrl()))
                .append(item("Route", view.route()))
                .append(item("Accepted server ID", view.expectedPeer()))
                .append(item("Verified server ID", id.peer() != null ? id.peer()
                        : view.customerServiceUrl().startsWith("http://") ? "checked by the pod's forward Envoy (this webapp speaks plain HTTP to it)" : "—"))
                .append("</dl></section></aside>");
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
