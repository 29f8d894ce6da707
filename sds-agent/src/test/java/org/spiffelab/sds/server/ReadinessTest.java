package org.spiffelab.sds.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReadinessTest {

    @Test
    void servingOnlyOnceEveryConditionIsMetInAnyOrder() {
        List<Boolean> reported = new ArrayList<>();
        Readiness readiness = new Readiness(List.of("x509-svid", "authz"));
        readiness.reportTo(reported::add);
        readiness.met("x509-svid");
        readiness.met("x509-svid");
        assertThat(reported).containsExactly(false);
        assertThat(readiness.pending()).containsExactly("authz");
        readiness.met("authz");
        assertThat(reported).containsExactly(false, true);
    }

    @Test
    void conditionsMetBeforeTheServerExistsAreReportedWhenItDoes() {
        List<Boolean> reported = new ArrayList<>();
        Readiness readiness = new Readiness(List.of("x509-svid", "authz"));
        readiness.met("authz");
        readiness.met("x509-svid");
        readiness.reportTo(reported::add);
        assertThat(reported).containsExactly(true);
    }
}
