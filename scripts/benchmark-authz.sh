#!/usr/bin/env bash
# ext_authz benchmarks: Check() in validate mode vs a no-op authorizer (concurrency 16 and 64), then the whole request
# through Envoy with and without JWT-SVID validation.
#   scripts/benchmark-authz.sh [seconds per Check() measurement=10] [requests through Envoy=3000]
set -Eeuo pipefail
source "$(dirname "$0")/lib.sh"
trap on_error ERR
cd "$LAB_ROOT"
prepare_java
step "ext_authz Check(): validate vs no-op (in one JVM)"
java -cp sds-agent/target/sds-agent.jar:benchmarks/target/benchmarks.jar org.spiffelab.sds.bench.AuthzCheckBenchmark "${1:-10}"
step "whole request through Envoy: x509 vs jwt (starts two stacks)"
mvn -B -q --no-transfer-progress -pl scenario-tests exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=org.spiffelab.scenario.EnvoyAuthzCostBenchmark -Dexec.args="${2:-3000}"
