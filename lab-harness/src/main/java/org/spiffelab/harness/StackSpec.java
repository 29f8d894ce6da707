package org.spiffelab.harness;

import java.util.List;

/**
 * What a scenario runs: customer-service's Envoy config and the registration entries the Docker runtime creates.
 *
 * @param scenario     the scenario's name (x509, rbac, ...), as in k8s/scenarios and the docs
 * @param envoyConfig  customer-service's Envoy config, relative to the repository root
 */
public record StackSpec(String scenario, String envoyConfig, List<Registration> registrations) {

    /** Scenario {@code x509}: Envoy takes its SVID and bundle from the SPIRE agent's SDS; webapp is a registered client. */
    public static StackSpec x509(LabProperties lab) {
        return new StackSpec("x509", "customer-service/envoy/envoy-x509.yaml", Registration.fromFile(lab));
    }

    /** Scenario {@code rbac}: x509 plus Envoy's RBAC filter; webapp-2 holds a valid SVID the policy does not allow. */
    public static StackSpec rbac(LabProperties lab) {
        return new StackSpec("rbac", "customer-service/envoy/envoy-rbac.yaml", Registration.fromFile(lab));
    }
}
