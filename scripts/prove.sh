#!/usr/bin/env bash
# Runs one scenario's proof — the same integration test `mvn verify` runs — e.g. scripts/prove.sh jwt
set -Eeuo pipefail
source "$(dirname "$0")/lib.sh"
trap on_error ERR
cd "$LAB_ROOT"
scenario="${1:-}"
case "$scenario" in
  x509) test=X509ScenarioIT ;;
  rbac) test=RbacScenarioIT ;;
  sds-agent) test=SdsAgentScenarioIT ;;
  jwt) test=JwtScenarioIT ;;
  *) die "usage: scripts/prove.sh x509|rbac|sds-agent|jwt" ;;
esac
step "prove scenario $scenario ($test, real SPIRE, Envoy and nginx)"
mvn -B --no-transfer-progress verify -pl scenario-tests -am -Dit.test="$test" -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false
