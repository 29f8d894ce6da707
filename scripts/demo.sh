#!/usr/bin/env bash
# The lab's demo: installs what is missing (scripts/toolchain.sh), then starts one scenario — SPIRE,
# customer-service, webapp and webapp-2 with fixed container names — prints the URLs to open, and runs until
# Ctrl-C, removing everything it started on exit.
#   scripts/demo.sh [scenario]     (one of SCENARIOS in lab.properties; default: rbac)
set -Eeuo pipefail
source "$(dirname "$0")/lib.sh"
trap on_error ERR
cd "$LAB_ROOT"

scenario="${1:-rbac}"
case ",$SCENARIOS," in *",$scenario,"*) ;; *) die "unknown scenario '$scenario': use one of ${SCENARIOS//,/, }" ;; esac
prepare_java -pl lab-harness,webapp,sds-agent -am

step "start scenario $scenario: SPIRE, customer-service, webapp and webapp-2 (Ctrl-C stops and removes them)"
# The JVM removes its containers on Ctrl-C; its socket volumes ("lab-...", prefix in Demo.java) can outlive a JVM
# cut short, so remove them here too.
trap 'docker volume ls -q --filter name=^lab- | xargs -r docker volume rm -f >/dev/null 2>&1 || true' EXIT
trap - ERR
mvn -B -q --no-transfer-progress -pl lab-harness exec:java -Dexec.mainClass=org.spiffelab.harness.Demo -Dexec.args="$scenario" &
demo=$!
# Ctrl-C reaches the whole process group in a terminal; a signal sent to this script alone is passed on as TERM
# (a background job of a script ignores SIGINT) and the JVM's shutdown hook removes the containers.
trap 'kill -TERM "$demo" 2>/dev/null || true' INT TERM
status=0
wait "$demo" || status=$?
if kill -0 "$demo" 2>/dev/null; then wait "$demo" || status=$?; fi
# 130/143: stopped by Ctrl-C or TERM, as intended
[ "$status" = 0 ] || [ "$status" = 130 ] || [ "$status" = 143 ] || die "the demo exited with status $status; see the messages above"
