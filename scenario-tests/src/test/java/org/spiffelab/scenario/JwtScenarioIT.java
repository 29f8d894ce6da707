package org.spiffelab.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.spiffelab.harness.LabProperties;
import org.spiffelab.harness.LabStack;
import org.spiffelab.harness.StackExtension;
import org.spiffelab.harness.StackSpec;
import org.spiffelab.harness.ToolboxContainer;
import org.spiffelab.harness.WebappContainer;
import org.spiffelab.sds.authz.JwtSvidValidator;
import org.testcontainers.containers.Container.ExecResult;

/**
 * Scenario {@code jwt}: webapp's forward Envoy injects its JWT-SVID (sds-agent, inject mode); customer-service's Envoy
 * has it validated (sds-agent, validate mode) on top of mTLS. Allowed subject → 200; everything else → 401/403 with a reason.
 */
class JwtScenarioIT {

    @RegisterExtension
    static final StackExtension STACK = new StackExtension(StackSpec::jwt);

    static final String OK = "http.customer_service.ext_authz.ok";
    static final String DENIED = "http.customer_service.ext_authz.denied";

    static LabStack stack;
    static LabProperties lab;
    static WebappContainer webapp;
    static WebappContainer webapp2;
    static ToolboxContainer client;
    static String api;

    @BeforeAll
    static void startWebappPodsAndAClientWithAValidCertificate() {
        stack = STACK.stack();
        lab = stack.lab();
        webapp = stack.startWebapp("webapp", Map.of());
        webapp2 = stack.startWebapp("webapp-2", Map.of());
        // A client with webapp's X.509-SVID: it passes mTLS, so only the JWT decides.
        client = stack.startWorkload("webapp");
        Awaitility.await("the client's X.509-SVID").atMost(Duration.ofSeconds(30)).until(() -> client.fetchX509Svid().getExitCode() == 0);
        api = "https://customer-service:" + lab.get("ENVOY_TLS_PORT") + "/api/customers/1001/balance";
    }

    @Test
    void webappGetsDataAndThePageShowsTheAuthorizedSubject() throws Exception {
        long ok = stack.envoyStat(OK);
        JsonNode result = Portal.view(webapp).path("result");
        assertThat(result.path("profile").path("name").asText()).isEqualTo("Ada Lovelace");
        assertThat(result.path("authorizedSubject").asText()).isEqualTo(lab.get("WEBAPP_ID"));
        assertThat(stack.envoyStat(OK)).isEqualTo(ok + 3);
        assertThat(Portal.page(webapp)).contains("Authorized by JWT-SVID", lab.get("WEBAPP_ID"), "forward Envoy");
    }

    @Test
    void webapp2HasAValidJwtButItsSubjectIsNotAllowed() throws Exception {
        long denied = stack.envoyStat(DENIED);
        JsonNode result = Portal.view(webapp2).path("result");
        assertThat(result.path("reason").asText()).isEqualTo("DENIED_BY_POLICY");
        assertThat(result.path("status").asInt()).isEqualTo(403);
        assertThat(result.path("body").asText()).isEqualTo("subject " + lab.get("WEBAPP_2_ID") + " is not allowed");
        assertThat(stack.envoyStat(DENIED)).isEqualTo(denied + 1);
        assertThat(Portal.page(webapp2)).contains("Access denied by customer-service", "is not allowed");
    }

    @Test
    void aValidTokenPassesAndAForgedIdentityHeaderIsOverwritten() {
        String token = spireJwt(lab.get("CUSTOMER_SERVICE_ID"));
        ExecResult response = client.curlWithSvid(api, "-D", "-", "-H", "authorization: Bearer " + token,
                "-H", "x-spiffe-id: spiffe://example.org/ns/demo/sa/admin");
        assertThat(response.getStdout()).endsWith("\n200").containsIgnoringCase("x-authorized-subject: " + lab.get("WEBAPP_ID"))
                .doesNotContain("sa/admin");
    }

    @Test
    void noForgedWrongAudienceOrExpiredTokenGetsThrough() throws Exception {
        long denied = stack.envoyStat(DENIED);
        assertUnauthorized(null, "missing Authorization header");
        assertUnauthorized(forgedToken(), "unknown kid");
        assertUnauthorized(spireJwt("spiffe://" + lab.get("TRUST_DOMAIN") + "/ns/" + lab.get("NAMESPACE") + "/sa/payments"),
                "audience does not include");
        String soonExpired = spireJwt(lab.get("CUSTOMER_SERVICE_ID"));
        // the token's own exp, plus the validator's documented clock skew: then, and only then, it must be refused
        Instant refusedAfter = SignedJWT.parse(soonExpired).getJWTClaimsSet().getExpirationTime().toInstant()
                .plus(JwtSvidValidator.CLOCK_SKEW);
        Awaitility.await("the token's exp + clock skew").atMost(Duration.ofSeconds(StackSpec.JWT_SVID_TTL_SECONDS).plus(
                JwtSvidValidator.CLOCK_SKEW).plusSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> Instant.now().isAfter(refusedAfter));
        assertUnauthorized(soonExpired, "expired");
        assertThat(stack.envoyStat(DENIED)).isEqualTo(denied + 4);
    }

    /**
     * A genuine SPIRE token written any other way, as Envoy forwards it: every spelling a lenient Base64URL decoder
     * would read as the genuine bytes is refused with its own reason, and counted as a denial by Envoy.
     */
    @Test
    void aGenuineTokenSpelledAnyOtherWayIsRefused() throws Exception {
        String genuine = spireJwt(lab.get("CUSTOMER_SERVICE_ID"));
        long denied = stack.envoyStat(DENIED);
        String signature = genuine.substring(genuine.lastIndexOf('.') + 1);
        String signed = genuine.substring(0, genuine.lastIndexOf('.') + 1);
        Map<String, String> hostile = new java.util.LinkedHashMap<>();
        hostile.put(genuine + "!", "signature part: character '!'");
        hostile.put(signed + signature.substring(0, 10) + "*" + signature.substring(10), "signature part: character '*'");
        hostile.put(genuine + "==", "padding '=' is not allowed");
        hostile.put(signed + nonCanonicalLast(signature), "non-canonical Base64URL");
        hostile.put(genuine.replaceFirst("\\.", "=."), "header part: padding");
        hostile.put(genuine + ".AAAA.AAAA", "encrypted tokens (JWE)");
        for (var attack : hostile.entrySet()) {
            assertUnauthorized(attack.getKey(), attack.getValue());
        }
        assertThat(stack.envoyStat(DENIED)).isEqualTo(denied + hostile.size());
        // and the genuine spelling still passes
        assertThat(client.curlWithSvid(api, "-H", "authorization: Bearer " + genuine).getStdout()).endsWith("\n200");
    }

    /** ES256 signatures are 64 bytes, 86 characters: the last one carries 4 unused bits. */
    private static String nonCanonicalLast(String signature) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        assertThat(signature.length() % 4).isEqualTo(2);
        int value = alphabet.indexOf(signature.charAt(signature.length() - 1));
        return signature.substring(0, signature.length() - 1) + alphabet.charAt(value | 0x0f);
    }

    private void assertUnauthorized(String token, String reason) {
        ExecResult response = token == null ? client.curlWithSvid(api) : client.curlWithSvid(api, "-H", "authorization: Bearer " + token);
        assertThat(response.getStdout()).as("token %s", token == null ? "none" : token.substring(0, 20)).endsWith("\n401").contains(reason);
    }

    /** A JWT-SVID from the SPIRE agent for the client (webapp), via the Workload API CLI. */
    private static String spireJwt(String audience) {
        return client.fetchJwtSvid(audience);
    }

    /** Looks like a JWT-SVID for the right audience and subject, signed by a key nobody trusts. */
    private static String forgedToken() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("forged").build(),
                new JWTClaimsSet.Builder().subject(lab.get("WEBAPP_ID")).audience(lab.get("CUSTOMER_SERVICE_ID"))
                        .expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(5)))).build());
        jwt.sign(new ECDSASigner((ECPrivateKey) generator.generateKeyPair().getPrivate()));
        return jwt.serialize();
    }
}
