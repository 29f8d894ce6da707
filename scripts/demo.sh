#!/usr/bin/env bash
# The lab's demo: installs what is missing (scripts/toolchain.sh), then starts the x509 scenario with fixed
# container names, prints what to try, and runs until Ctrl-C, removing everything it started on exit.
set -Eeuo pipefail
source "$(dirname "$0")/lib.sh"
trap on_error ERR
cd "$LAB_ROOT"

bash scripts/toolchain.sh

step "build the lab's Java modules" "run 'mvn -B install -DskipTests -DskipITs' and read its error"
mvn -B -q --no-transfer-progress install -DskipTests -DskipITs -pl lab-harness -am

step "start the x509 scenario (Ctrl-C stops and removes it)"
export TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=localhost
exec mvn -B -q --no-transfer-progress -pl lab-harness exec:java -Dexec.mainClass=org.spiffelab.harness.Demo
