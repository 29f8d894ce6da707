package org.spiffelab.webapp.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Routes: {@code /} the page, {@code /api/portal} the same view as JSON, {@code /healthz} ready once an SVID is held. */
public final class PortalHandler extends Handler.Abstract.NonBlocking {

    private static final Logger LOG = LoggerFactory.getLogger(PortalHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Portal portal;

    public PortalHandler(Portal portal) {
        this.portal = portal;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        try {
            if (!HttpMethod.GET.is(request.getMethod())) {
                send(response, callback, 405, "application/json", "{\"error\":\"only GET\"}");
                return true;
            }
            switch (path) {
                case "/" -> send(response, callback, 200, "text/html; charset=utf-8", PortalPage.render(portal.view()));
                case "/api/portal" -> send(response, callback, 200, "application/json", JSON.writeValueAsString(portal.view()));
                case "/healthz" -> health(response, callback);
                default -> send(response, callback, 404, "application/json", "{\"error\":\"not found\"}");
            }
        } catch (Exception e) {
            // Log the detail for operators; people get a plain sentence, never a stack trace.
            LOG.error("{} failed", path, e);
            send(response, callback, 500, "text/plain; charset=utf-8", "The portal failed to render this page; see the webapp's log.\n");
        }
        return true;
    }

    private void health(Response response, Callback callback) {
        ObjectNode body = JSON.createObjectNode();
        boolean ready = portal.ready();
        body.put("status", ready ? "ready" : "no SVID yet");
        body.put("spiffeId", portal.spiffeId());
        send(response, callback, ready ? 200 : 503, "application/json", body.toString());
    }

    private static void send(Response response, Callback callback, int status, String type, String body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, StandardCharsets.UTF_8.encode(body), callback);
    }
}
