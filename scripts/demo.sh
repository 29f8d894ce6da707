#!/usr/bin/env bash
# The lab's demo: installs what is missing (scripts/toolchain.sh), then starts one scenario — SPIRE,
# customer-service, webapp and webapp-2 with fixed container names — prints the URLs to open, and runs until
# Ctrl-C, removing everything it started on exit.
#   scripts/demo.sh [x509|rbac|sds-agent|jwt]     (default: rbac)
set -Eeuo pipefail
source "$(dirname "$0")/lib.sh"
trap on_error ERR
cd "$LAB_ROOT"

scenario="${1:-rbac}"
case "$scenario" in x509|rbac|sds-agent|jwt) ;; *) die "unknown scenario '$scenario': use x509, rbac, sds-agent or jwt" ;; esac
prepare_java -pl lab-harness,webapp,sds-agent -am

step "start scenario $scenario: SPIRE, customer-service, webapp and webapp-2 (Ctrl-C stops and removes them)"
# The JVM removes its containers on Ctrl-C; its socket volumes ("lab-...", prefix in Demo.java) can outlive a JVM
# cut short, so remove them here too.
trap 'docker volume ls -q --filter name=^lab- | xargs -r docker volume rm -f >/dev/null 2>&1 || true' EXIT
mvn -B -q --no-transfer-progress -pl lab-harness exec:java -Dexec.mainClass=org.spiffelab.harness.Demo -Dexec.args="$scenario"
