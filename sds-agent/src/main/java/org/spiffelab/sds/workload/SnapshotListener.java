package org.spiffelab.sds.workload;

/** Told about every new Workload API snapshot. */
@FunctionalInterface
public interface SnapshotListener {

    void onSnapshot(WorkloadSnapshot snapshot);

    /** The Workload API sent what is already held (e.g. after reconnecting). */
    default void onUnchanged(WorkloadSnapshot snapshot) {
    }
}
