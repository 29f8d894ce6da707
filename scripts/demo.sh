#!/usr/bin/env bash
# The lab's demo: installs what is missing (scripts/toolchain.sh), then starts SPIRE, customer-service (nginx +
# Envoy with the rbac policy), webapp and webapp-2 with fixed container names, prints the URLs to open, and runs
# until Ctrl-C, removing everything it started on exit.
set -Eeuo pipefail
source "$(dirname "$0")/lib.sh"
trap on_error ERR
cd "$LAB_ROOT"

prepare_java -pl lab-harness,webapp -am

step "start SPIRE, customer-service, webapp and webapp-2 (Ctrl-C stops and removes them)"
# The JVM removes its containers on Ctrl-C; the socket volume ("<prefix>-agent-socket", prefix "lab" in Demo.java)
# can outlive a JVM cut short, so remove it here too.
trap 'docker volume rm -f lab-agent-socket >/dev/null 2>&1 || true' EXIT
mvn -B -q --no-transfer-progress -pl lab-harness exec:java -Dexec.mainClass=org.spiffelab.harness.Demo
