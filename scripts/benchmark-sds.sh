#!/usr/bin/env bash
# SDS fan-out benchmark: N streams on the SPIRE agent's own SDS, then N on sds-agent (fed by the same agent), each
# through one SVID rotation, repeated per set; "together" loads both servers at once instead.
#   scripts/benchmark-sds.sh [streams=1000] [rotation sets=3] [alternate|together]
set -Eeuo pipefail
source "$(dirname "$0")/lib.sh"
trap on_error ERR
cd "$LAB_ROOT"
prepare_java
step "run the benchmark (about half a minute per server and rotation set)"
mvn -B -q --no-transfer-progress -pl scenario-tests exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=org.spiffelab.scenario.bench.SdsFanOutBenchmark -Dexec.args="${1:-1000} ${2:-3} ${3:-alternate}"
