package org.spiffelab.webapp.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Semaphore;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes: {@code /} the page, {@code /api/portal} the same view as JSON, {@code /healthz} ready once an SVID is held.
 * A view calls customer-service and may wait seconds, so this handler is a blocking one: Jetty runs it on a worker
 * thread, never on a selector thread where it would stall every other connection (/healthz included). At most
 * {@code maxConcurrentViews} views run at once; more are told to retry, so workers remain for /healthz.
 */
public final class PortalHandler extends Handler.Abstract {

    private static final Logger LOG = LoggerFactory.getLogger(PortalHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Portal portal;
    private final Semaphore views;

    public PortalHandler(Portal portal, int maxConcurrentViews) {
        super(InvocationType.BLOCKING);
        this.portal = portal;
        this.views = new Semaphore(maxConcurrentViews);
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
                case "/" -> view(response, callback, "text/html; charset=utf-8", PortalPage::render);
                case "/api/portal" -> view(response, callback, "application/json", JSON::writeValueAsString);
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

    private interface Render {
        String apply(PortalView view) throws Exception;
    }

    private void view(Response response, Callback callback, String type, Render render) throws Exception {
        if (!views.tryAcquire()) {
            send(response, callback, 503, "text/plain; charset=utf-8", "The portal is busy; try again in a moment.\n");
            return;
        }
        try {
            send(response, callback, 200, type, render.apply(portal.view()));
        } finally {
            views.release();
        }
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
