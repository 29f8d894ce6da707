package org.spiffelab.webapp.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.spiffelab.harness.LabProperties;

class ScenarioTest {

    static final LabProperties LAB = LabProperties.load();

    @Test
    void theScenariosAreLabPropertiesOwn() {
        assertThat(Scenario.names()).isEqualTo(List.of(LAB.get("SCENARIOS").split(",")));
    }

    @Test
    void eachNamesItsLabPageByTheHeadingThatPageHas() throws Exception {
        for (Scenario scenario : Scenario.values()) {
            String page = Files.readString(LAB.file(scenario.doc()));
            assertThat(page.lines().findFirst().orElseThrow()).as(scenario.doc())
                    .isEqualTo("# Lab " + scenario.lab() + " — " + scenario.title() + " (`" + scenario.id() + "`)");
        }
    }
}
