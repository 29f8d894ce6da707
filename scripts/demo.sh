#!/usr/bin/env bash
# The lab's demo: installs what is missing (scripts/toolchain.sh), then starts one scenario — SPIRE,
# customer-service, webapp and webapp-2 with fixed container names — prints the URLs to open, and runs until
# Ctrl-C, removing everything it started on exit. Pages are on 127.0.0.1 at the fixed ports of lab.properties
# (webapp :8080, webapp-2 :8082).
#   scripts/demo.sh [scenario]     (one of SCENARIOS in lab.properties: x509, rbac — the default —, sds-agent, jwt)
#   scripts/demo.sh --k8s [scenario]    the same on Kubernetes: the lab's local cluster (scripts/cluster.sh),
#                                    or yours when KUBECONFIG is set; webapp and webapp-2 port-forwarded
set -Eeuo pipefail
source "$(dirname "$0")/lib.sh"
trap on_error ERR
cd "$LAB_ROOT"

case "${1:-}" in
  -h|--help|help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
k8s=""
if [ "${1:-}" = --k8s ]; then k8s=1; shift; fi
scenario="${1:-rbac}"
case ",$SCENARIOS," in *",$scenario,"*) ;; *) die "unknown scenario '$scenario': use one of ${SCENARIOS//,/, } (scripts/demo.sh --help)" ;; esac
if [ -n "$k8s" ]; then exec bash "$LAB_ROOT/scripts/demo-k8s.sh" "$scenario"; fi
# Never start over a running lab: its terminal would show dead URLs. The JVM checks again once the build is done.
if docker_answers && [ -n "$(running_lab)" ]; then
  die "a lab is already running ($(running_lab)). Stop it first: Ctrl-C in the terminal that runs scripts/demo.sh, or scripts/lab.sh stop."
fi
prepare_java -pl lab-demo,webapp,sds-agent -am

step "start scenario $scenario: SPIRE, customer-service, webapp and webapp-2 (Ctrl-C stops and removes them)"
trap - ERR
mvnq -pl lab-demo exec:java -Dexec.args="$scenario" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn &
demo=$!
# Ctrl-C reaches the whole process group in a terminal; a signal sent to this script alone is passed on as TERM
# (a background job of a script ignores SIGINT) and the JVM's shutdown hook removes the containers and volumes.
trap 'kill -TERM "$demo" 2>/dev/null || true' INT TERM
status=0
wait "$demo" || status=$?
if kill -0 "$demo" 2>/dev/null; then wait "$demo" || status=$?; fi
# 130/143: stopped by Ctrl-C or TERM, as intended; 3: a lab was already running (the JVM said so)
[ "$status" = 0 ] || [ "$status" = 130 ] || [ "$status" = 143 ] || [ "$status" = 3 ] || die "the demo exited with status $status; see the messages above"
[ "$status" != 3 ] || exit 3
