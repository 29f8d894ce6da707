package org.spiffelab.harness;

import java.util.List;

/**
 * What a scenario runs: customer-service's Envoy config and the registration entries the Docker runtime creates.
 *
 * @param scenario     the scenario's name (x509, rbac, ...), as in k8s/scenarios and the docs
 * @param envoyConfig  customer-service's Envoy config, relative to the repository root
 * @param sdsAgent     Envoy's secrets come from the Java sds-agent instead of the SPIRE agent
 * @param sdsAgentArgs extra flags for customer-service's sds-agent (e.g. ext_authz validate mode)
 * @param webappSidecars webapps call through their own forward Envoy + sds-agent (inject mode) in their pod
 */
public record StackSpec(String scenario, String envoyConfig, List<Registration> registrations, boolean sdsAgent,
                        List<String> sdsAgentArgs, boolean webappSidecars) {

    /** The scenarios, from lab.properties' SCENARIOS: the names k8s/scenarios, the docs, the scripts and the tests share. */
    public static List<String> names(LabProperties lab) {
        return List.of(lab.get("SCENARIOS").split(","));
    }

    /** The scenario's proof in scenario-tests: x509 → X509ScenarioIT, sds-agent → SdsAgentScenarioIT (scripts/prove.sh derives it alike). */
    public static String proofTestName(String scenario) {
        StringBuilder name = new StringBuilder();
        for (String part : scenario.split("-")) {
            name.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return name.append("ScenarioIT").toString();
    }

    public static StackSpec byName(LabProperties lab, String name) {
        return switch (name) {
            case "x509" -> x509(lab);
            case "rbac" -> rbac(lab);
            case "sds-agent" -> sdsAgent(lab);
            case "jwt" -> jwt(lab, 0);
            default -> throw new IllegalArgumentException("unknown scenario '" + name + "'; choose one of " + names(lab));
        };
    }

    /** Scenario {@code x509}: Envoy takes its SVID and bundle from the SPIRE agent's SDS; webapp is a registered client. */
    public static StackSpec x509(LabProperties lab) {
        return new StackSpec("x509", "customer-service/envoy/envoy-x509.yaml", Registration.fromFile(lab), false, List.of(), false);
    }

    /** Scenario {@code rbac}: x509 plus Envoy's RBAC filter; webapp-2 holds a valid SVID the policy does not allow. */
    public static StackSpec rbac(LabProperties lab) {
        return new StackSpec("rbac", "customer-service/envoy/envoy-rbac.yaml", Registration.fromFile(lab), false, List.of(), false);
    }

    /**
     * Scenario {@code sds-agent}: the x509 scenario with Envoy's secrets from the Java sds-agent, using the very same
     * Envoy config. customer-service's SVIDs are short-lived so rotation is seen within a test.
     */
    public static StackSpec sdsAgent(LabProperties lab) {
        List<Registration> entries = Registration.fromFile(lab).stream()
                .map(r -> r.workload().equals("customer-service") ? r.withX509SvidTtl(SDS_AGENT_SVID_TTL_SECONDS) : r).toList();
        return new StackSpec("sds-agent", "customer-service/envoy/envoy-x509.yaml", entries, true, List.of(), false);
    }

    /**
     * Scenario {@code jwt}: on top of mTLS, each request carries a JWT-SVID. webapp and webapp-2 speak plain HTTP to a
     * forward Envoy in their own pod whose sds-agent injects their JWT-SVID; customer-service's sds-agent validates it
     * and allows only webapp. webapp's JWT-SVIDs are short-lived so an expired one can be shown.
     */
    public static StackSpec jwt(LabProperties lab) {
        return jwt(lab, JWT_SVID_TTL_SECONDS);
    }

    /** Scenario jwt with webapp's JWT-SVIDs living {@code jwtTtlSeconds} (0: SPIRE's default, 5 minutes). */
    public static StackSpec jwt(LabProperties lab, int jwtTtlSeconds) {
        List<Registration> entries = Registration.fromFile(lab).stream()
                .map(r -> r.workload().equals("webapp") ? r.withJwtSvidTtl(jwtTtlSeconds) : r).toList();
        return new StackSpec("jwt", "customer-service/envoy/envoy-jwt.yaml", entries, true, List.of(
                "--authz-mode=validate", "--jwt-audience=" + lab.get("CUSTOMER_SERVICE_ID"),
                "--jwt-allowed-subjects=" + lab.get("WEBAPP_ID")), true);
    }

    /** Lifetime of webapp's JWT-SVIDs in scenario jwt. */
    public static final int JWT_SVID_TTL_SECONDS = 10;

    /** SPIRE's agent renews an SVID about halfway through its life: a rotation every ~10 s. */
    public static final int SDS_AGENT_SVID_TTL_SECONDS = 20;
}
