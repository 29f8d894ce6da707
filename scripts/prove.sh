#!/usr/bin/env bash
# Runs one scenario's proof — the same integration test `mvn verify` runs — e.g. scripts/prove.sh jwt
set -Eeuo pipefail
source "$(dirname "$0")/lib.sh"
trap on_error ERR
cd "$LAB_ROOT"
scenario="${1:-}"
case ",$SCENARIOS," in *",$scenario,"*) [ -n "$scenario" ] ;; *) false ;; esac \
  || die "usage: scripts/prove.sh <scenario>, one of ${SCENARIOS//,/, } (SCENARIOS in lab.properties)"
# x509 -> X509ScenarioIT, sds-agent -> SdsAgentScenarioIT (as StackSpec.proofTestName; DocsTest checks each exists)
test="$(sed -E 's/(^|-)([a-z])/\U\2/g' <<<"$scenario")ScenarioIT"
step "prove scenario $scenario ($test, real SPIRE, Envoy and nginx)"
mvn -B --no-transfer-progress verify -pl scenario-tests -am -Dit.test="$test" -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false
