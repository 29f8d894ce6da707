package org.spiffelab.harness;

import java.util.Map;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Network;

/**
 * A fixed-name stack's network, labelled {@link LabStack#STACK_LABEL} and without Testcontainers' session label: a lab
 * started by scripts/lab.sh outlives the JVM that started it, and {@link LabStack#removeStack} finds it by the label.
 */
final class LabNetwork implements Network {

    private final String id;

    LabNetwork(String namePrefix) {
        this.id = DockerClientFactory.instance().client().createNetworkCmd().withName(namePrefix + "-net")
                .withLabels(Map.of(LabStack.STACK_LABEL, namePrefix)).withCheckDuplicate(true).exec().getId();
    }

    @Override
    public String getId() {
        return id;
    }

    @Override
    public void close() {
        DockerClientFactory.instance().client().removeNetworkCmd(id).exec();
    }
}
