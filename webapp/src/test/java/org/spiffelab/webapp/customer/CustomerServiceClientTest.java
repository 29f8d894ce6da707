package org.spiffelab.webapp.customer;

import static org.assertj.core.api.Assertions.assertThat;

import io.spiffe.spiffeid.SpiffeId;
import io.spiffe.svid.x509svid.X509Svid;
import java.net.ServerSocket;
import java.net.URI;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.spiffelab.webapp.customer.PortalResult.Data;
import org.spiffelab.webapp.customer.PortalResult.Failure;
import org.spiffelab.webapp.customer.PortalResult.Reason;
import org.spiffelab.webapp.testing.TestPki;
import org.spiffelab.webapp.testing.TlsPeer;
import org.spiffelab.webapp.testing.X509SourceStub;
import org.spiffelab.webapp.tls.PinnedPeerTrustManager;
import org.spiffelab.webapp.tls.SpiffeTls;

class CustomerServiceClientTest {

    static final String SERVER_ID = "spiffe://example.org/ns/demo/sa/customer-service";
    static final String CLIENT_ID = "spiffe://example.org/ns/demo/sa/webapp";
    static final String CUSTOMER = "{\"id\":\"1001\",\"name\":\"Ada Lovelace\",\"available\":\"12.00\",\"transactions\":[]}";

    TestPki pki;
    X509SourceStub source;

    @BeforeEach
    void setUp() throws Exception {
        pki = new TestPki("example.org");
        source = new X509SourceStub(pki.issue(CLIENT_ID), pki.bundle());
    }

    @Test
    void pinnedServerGivesTheCustomersDataAndIsRemembered() throws Exception {
        io.spiffe.svid.x509svid.X509Svid serverSvid = pki.issue(SERVER_ID);
        try (TlsPeer server = new TlsPeer(serverSvid, pki.caCert(), 200, CUSTOMER)) {
            PinnedPeerTrustManager trust = SpiffeTls.pinnedTo(source, SpiffeId.parse(SERVER_ID));
            CustomerCall call = call(server, trust);
            assertThat(call.result()).isInstanceOf(Data.class);
            assertThat(((Data) call.result()).profile().path("name").asText()).isEqualTo("Ada Lovelace");
            assertThat(call.verifiedPeer()).isEqualTo(SERVER_ID);
            assertThat(call.peerCertificate()).as("the leaf the server presented, for the page's timeline").isEqualTo(serverSvid.getLeaf());
            assertThat(server.clientCertificates()).isNotEmpty()
                    .allSatisfy(c -> assertThat(c.getSubjectAlternativeNames().iterator().next().get(1)).isEqualTo(CLIENT_ID));
        }
    }

    @Test
    void serverWithAnotherSpiffeIdIsRefusedWithBothIdsNamed() throws Exception {
        String impostor = "spiffe://example.org/ns/demo/sa/webapp-2";
        try (TlsPeer server = new TlsPeer(pki.issue(impostor), pki.caCert(), 200, CUSTOMER)) {
            PinnedPeerTrustManager trust = SpiffeTls.pinnedTo(source, SpiffeId.parse(SERVER_ID));
            CustomerCall call = call(server, trust);
            Failure failure = (Failure) call.result();
            assertThat(failure.reason()).isEqualTo(Reason.SERVER_NOT_TRUSTED);
            assertThat(failure.message()).contains(impostor).contains(SERVER_ID);
            assertThat(call.verifiedPeer()).isNull();
            assertThat(call.peerCertificate()).isNull();
            assertThat(server.clientCertificates()).as("nothing requested from an untrusted server").isEmpty();
        }
    }

    @Test
    void serverWithTheRightIdFromAnotherCaIsRefused() throws Exception {
        TestPki foreign = new TestPki("example.org");
        try (TlsPeer server = new TlsPeer(foreign.issue(SERVER_ID), pki.caCert(), 200, CUSTOMER)) {
            Failure failure = (Failure) call(server, SpiffeTls.pinnedTo(source, SpiffeId.parse(SERVER_ID))).result();
            assertThat(failure.reason()).isEqualTo(Reason.SERVER_NOT_TRUSTED);
        }
    }

    @Test
    void policyDenialIsExplainedWithTheServersBody() throws Exception {
        try (TlsPeer server = new TlsPeer(pki.issue(SERVER_ID), pki.caCert(), 403, "RBAC: access denied")) {
            Failure failure = (Failure) call(server, SpiffeTls.pinnedTo(source, SpiffeId.parse(SERVER_ID))).result();
            assertThat(failure.reason()).isEqualTo(Reason.DENIED_BY_POLICY);
            assertThat(failure.status()).isEqualTo(403);
            assertThat(failure.body()).isEqualTo("RBAC: access denied");
        }
    }

    @Test
    void serverThatDoesNotTrustOurCaFailsTheHandshake() throws Exception {
        TestPki other = new TestPki("other.org");
        try (TlsPeer server = new TlsPeer(pki.issue(SERVER_ID), other.caCert(), 200, CUSTOMER)) {
            Failure failure = (Failure) call(server, SpiffeTls.pinnedTo(source, SpiffeId.parse(SERVER_ID))).result();
            assertThat(failure.reason()).isEqualTo(Reason.TLS_HANDSHAKE_FAILED);
        }
    }

    @Test
    void nothingListeningIsUnreachable() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        try (CustomerServiceClient client = new CustomerServiceClient(URI.create("https://127.0.0.1:" + port),
                SpiffeTls.clientContext(source, SpiffeTls.pinnedTo(source, SpiffeId.parse(SERVER_ID))))) {
            Failure failure = (Failure) client.customer("1001").result();
            assertThat(failure.reason()).isEqualTo(Reason.UNREACHABLE);
        }
    }

    @Test
    void rotatedSvidIsPresentedOnTheNextFullHandshake() throws Exception {
        try (TlsPeer server = new TlsPeer(pki.issue(SERVER_ID), pki.caCert(), 200, CUSTOMER)) {
            PinnedPeerTrustManager trust = SpiffeTls.pinnedTo(source, SpiffeId.parse(SERVER_ID));
            X509Svid first = source.getX509Svid();
            assertThat(call(server, trust).result()).isInstanceOf(Data.class);
            X509Svid rotated = pki.issue(CLIENT_ID);
            source.rotate(rotated);
            // A new TLS context has no session to resume, so this is a full handshake with whatever the source holds now.
            assertThat(call(server, trust).result()).isInstanceOf(Data.class);
            assertThat(server.clientCertificates()).extracting(c -> c.getSerialNumber())
                    .containsSubsequence(first.getLeaf().getSerialNumber(), rotated.getLeaf().getSerialNumber());
        }
    }

    @Test
    void thePeerShownIsTheOneThisCallVerifiedNotAnEarlierHandshakes() throws Exception {
        PinnedPeerTrustManager trust = SpiffeTls.pinnedTo(source, SpiffeId.parse(SERVER_ID));
        try (TlsPeer good = new TlsPeer(pki.issue(SERVER_ID), pki.caCert(), 200, CUSTOMER);
             TlsPeer denying = new TlsPeer(pki.issue(SERVER_ID), pki.caCert(), 403, "RBAC: access denied");
             TlsPeer impostor = new TlsPeer(pki.issue("spiffe://example.org/ns/demo/sa/webapp-2"), pki.caCert(), 200, CUSTOMER)) {
            assertThat(call(good, trust).verifiedPeer()).isEqualTo(SERVER_ID);
            // Same trust manager, later call refused: no verified peer, whatever the earlier handshake proved.
            assertThat(call(impostor, trust).verifiedPeer()).isNull();
            // A denial comes over a verified connection: the peer is known even though the result is a failure.
            CustomerCall denied = call(denying, trust);
            assertThat(denied.result()).isInstanceOf(Failure.class);
            assertThat(denied.verifiedPeer()).isEqualTo(SERVER_ID);
        }
    }

    private CustomerCall call(TlsPeer server, PinnedPeerTrustManager trust) throws Exception {
        try (CustomerServiceClient client = new CustomerServiceClient(URI.create(server.url()), SpiffeTls.clientContext(source, trust))) {
            return client.customer("1001");
        }
    }
}
