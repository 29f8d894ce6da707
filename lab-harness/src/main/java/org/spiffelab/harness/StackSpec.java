package org.spiffelab.harness;

import java.util.List;

/**
 * What a scenario runs: customer-service's Envoy config and the registration entries the Docker runtime creates.
 *
 * @param scenario     the scenario's name (x509, rbac, ...), as in k8s/scenarios and the docs
 * @param envoyConfig  customer-service's Envoy config, relative to the repository root
 * @param sdsAgent     Envoy's secrets come from the Java sds-agent instead of the SPIRE agent
 */
public record StackSpec(String scenario, String envoyConfig, List<Registration> registrations, boolean sdsAgent) {

    /** Scenario {@code x509}: Envoy takes its SVID and bundle from the SPIRE agent's SDS; webapp is a registered client. */
    public static StackSpec x509(LabProperties lab) {
        return new StackSpec("x509", "customer-service/envoy/envoy-x509.yaml", Registration.fromFile(lab), false);
    }

    /** Scenario {@code rbac}: x509 plus Envoy's RBAC filter; webapp-2 holds a valid SVID the policy does not allow. */
    public static StackSpec rbac(LabProperties lab) {
        return new StackSpec("rbac", "customer-service/envoy/envoy-rbac.yaml", Registration.fromFile(lab), false);
    }

    /**
     * Scenario {@code sds-agent}: the x509 scenario with Envoy's secrets from the Java sds-agent, using the very same
     * Envoy config. customer-service's SVIDs are short-lived so rotation is seen within a test.
     */
    public static StackSpec sdsAgent(LabProperties lab) {
        List<Registration> entries = Registration.fromFile(lab).stream()
                .map(r -> r.workload().equals("customer-service") ? r.withX509SvidTtl(SDS_AGENT_SVID_TTL_SECONDS) : r).toList();
        return new StackSpec("sds-agent", "customer-service/envoy/envoy-x509.yaml", entries, true);
    }

    /** SPIRE's agent renews an SVID about halfway through its life: a rotation every ~10 s. */
    public static final int SDS_AGENT_SVID_TTL_SECONDS = 20;
}
