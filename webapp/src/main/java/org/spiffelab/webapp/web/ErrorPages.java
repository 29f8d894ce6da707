package org.spiffelab.webapp.web;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The errors Jetty answers itself (a malformed request, headers too large, a request that failed before reaching the
 * portal): one plain sentence with the status, no server name, version, exception or stack.
 */
final class ErrorPages extends ErrorHandler {

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = response.getStatus() < 400 ? 500 : response.getStatus();
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, ByteBuffer.wrap(text(status).getBytes(StandardCharsets.UTF_8)), callback);
        return true;
    }

    static String text(int status) {
        String reason = HttpStatus.getMessage(status);
        return status + " " + (reason == null ? "Error" : reason) + ": the portal could not serve this request.\n";
    }
}
