#!/usr/bin/env bash
# SDS fan-out benchmark: N streams on the SPIRE agent's SDS and N on sds-agent, through 3 SVID rotations.
#   scripts/benchmark-sds.sh [streams=1000] [rotations=3]
set -Eeuo pipefail
source "$(dirname "$0")/lib.sh"
trap on_error ERR
cd "$LAB_ROOT"
prepare_java
step "run the benchmark (about a minute per rotation set)"
mvn -B -q --no-transfer-progress -pl scenario-tests exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=org.spiffelab.scenario.bench.SdsFanOutBenchmark -Dexec.args="${1:-1000} ${2:-3}"
