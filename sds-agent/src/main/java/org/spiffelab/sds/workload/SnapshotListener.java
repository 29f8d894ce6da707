package org.spiffelab.sds.workload;

/** Told about every new Workload API snapshot. */
@FunctionalInterface
public interface SnapshotListener {

    void onSnapshot(WorkloadSnapshot snapshot);
}
