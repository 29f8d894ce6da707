package org.spiffelab.webapp;

import java.util.Map;
import org.eclipse.jetty.server.Server;
import org.spiffelab.webapp.config.ConfigException;
import org.spiffelab.webapp.config.WebappConfig;
import org.spiffelab.webapp.customer.CustomerServiceClient;
import org.spiffelab.webapp.tls.PinnedPeerTrustManager;
import org.spiffelab.webapp.tls.SpiffeTls;
import org.spiffelab.webapp.web.Portal;
import org.spiffelab.webapp.web.PortalHandler;
import org.spiffelab.webapp.web.WebServer;
import org.spiffelab.webapp.workload.WorkloadIdentity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the portal: settings, identity from the Workload API, the mTLS client, then the web server. */
public final class WebappMain {

    private static final Logger LOG = LoggerFactory.getLogger(WebappMain.class);

    private WebappMain() {
    }

    public static void main(String[] args) throws Exception {
        JulToSlf4j.install();
        WebappConfig config;
        try {
            config = WebappConfig.from(args, Map.copyOf(System.getenv()));
        } catch (ConfigException e) {
            System.err.println("webapp: " + e.getMessage());
            System.exit(2);
            return;
        }
        LOG.info("fetching an X.509-SVID from {} (up to {}s)", config.workloadApiSocket(), config.svidTimeout().toSeconds());
        WorkloadIdentity identity;
        try {
            identity = WorkloadIdentity.connect(config.workloadApiSocket(), config.svidTimeout());
        } catch (IllegalStateException e) {
            System.err.println("webapp: " + e.getMessage());
            System.exit(3);
            return;
        }
        LOG.info("identity {}; customer-service {} must present {}", identity.svid().getSpiffeId(),
                config.customerServiceUrl(), config.customerServiceId());

        PinnedPeerTrustManager trust = SpiffeTls.pinnedTo(identity.source(), config.customerServiceId());
        CustomerServiceClient customers = new CustomerServiceClient(config.customerServiceUrl(),
                SpiffeTls.clientContext(identity.source(), trust));
        WebServer.Limits limits = WebServer.Limits.DEFAULT;
        Server server = WebServer.create(config.port(), limits,
                new PortalHandler(new Portal(config, identity, customers), limits.maxConcurrentViews()));
        server.start();
        LOG.info("portal on http://0.0.0.0:{}/", config.port());
        server.join();
    }
}
