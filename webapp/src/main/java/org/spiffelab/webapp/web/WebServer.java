package org.spiffelab.webapp.web;

import java.time.Duration;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The portal's Jetty server, built to stay responsive: handlers run on a bounded worker pool (never on the selector
 * threads), each connection must send a request head within {@link Limits#headerTimeout()} and is closed after
 * {@link Limits#idleTimeout()} of silence, at most {@link Limits#maxConnections()} are open at once, no Server header
 * names Jetty, and errors Jetty answers itself (bad requests) get the portal's own page.
 */
public final class WebServer {

    /**
     * @param maxConnections     open connections at once; more wait in the kernel's backlog
     * @param idleTimeout        a connection with no traffic at all is closed after this
     * @param headerTimeout      a connection must deliver each request head within this (slow or silent clients)
     * @param maxThreads         the worker pool that runs handlers
     * @param maxConcurrentViews page views calling customer-service at once; more get 503 (health stays served)
     */
    public record Limits(int maxConnections, Duration idleTimeout, Duration headerTimeout, int maxThreads, int maxConcurrentViews) {
        public static final Limits DEFAULT = new Limits(512, Duration.ofSeconds(30), Duration.ofSeconds(10), 64, 32);
    }

    private WebServer() {
    }

    /** A server on {@code port} (0: any free port) with {@code handler}; not started. */
    public static Server create(int port, Limits limits, Handler handler) {
        QueuedThreadPool pool = new QueuedThreadPool(limits.maxThreads(), Math.min(8, limits.maxThreads()));
        pool.setName("webapp");
        Server server = new Server(pool);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setPort(port);
        connector.setIdleTimeout(limits.idleTimeout().toMillis());
        connector.addBean(new RequestHeadDeadline(connector.getScheduler(), limits.headerTimeout()));
        server.addConnector(connector);
        NetworkConnectionLimit limit = new NetworkConnectionLimit(limits.maxConnections(), server);
        // At the limit, idle connections make room sooner.
        limit.setEndPointIdleTimeout(Duration.ofSeconds(1).toMillis());
        server.addBean(limit);
        server.setErrorHandler(new ErrorPages());
        server.setHandler(handler);
        server.setStopAtShutdown(true);
        return server;
    }
}
