package org.spiffelab.scenario;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.spiffelab.harness.StackExtension;
import org.spiffelab.harness.StackSpec;

/** Scenario {@code x509}: Envoy's certificate and trust bundle come over SDS from the SPIRE agent itself. */
class X509ScenarioIT extends X509Contract {

    @RegisterExtension
    static final StackExtension STACK = new StackExtension(StackSpec::x509);
}
