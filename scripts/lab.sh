#!/usr/bin/env bash
# The workshop's one entry point for attendees (Docker path):
#   scripts/lab.sh start <lab>      start the lab's stack, lacking exactly what the lab teaches
#   scripts/lab.sh check [lab]      each step ✓, or what is wrong and how to fix it
#   scripts/lab.sh solve [lab]      apply the lab's solution (workshop/labs/<lab>/solution.sh)
#   scripts/lab.sh break <fault>    inject a common fault; scripts/lab.sh doctor names it
#   scripts/lab.sh doctor           diagnose the live stack
#   scripts/lab.sh stop             remove the lab's containers, network and volumes
#   scripts/lab.sh start|check|solve|stop <lab> --k8s   the same labs on Kubernetes (scripts/lab-k8s.sh)
# Labs: x509, rbac, sds-agent, jwt (docs/01-04). The first start installs what is missing (scripts/toolchain.sh) and
# builds the lab's Java modules; later commands start in about a second.
set -Eeuo pipefail
source "$(dirname "$0")/lib.sh"
trap on_error ERR
cd "$LAB_ROOT"

case "${1:-}" in
  ""|-h|--help|help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; [ -n "${1:-}" ]; exit $? ;;
esac

# The Kubernetes path: scripts/lab.sh start|check|solve|stop <lab> --k8s (scripts/lab-k8s.sh).
for arg in "$@"; do
  if [ "$arg" = --k8s ]; then
    args=(); for a in "$@"; do [ "$a" = --k8s ] || args+=("$a"); done
    exec bash "$LAB_ROOT/scripts/lab-k8s.sh" "${args[@]}"
  fi
done

jar="$LAB_ROOT/workshop/target/workshop.jar"
if [ "$1" = start ] || [ "$1" = break ] || [ ! -f "$jar" ]; then
  # start/break start containers: the toolchain and the module images must be current.
  bash "$LAB_ROOT/scripts/toolchain.sh" >"${TMPDIR:-/tmp}/spire-envoy-lab-toolchain.log" 2>&1 \
    || die "scripts/toolchain.sh failed; see ${TMPDIR:-/tmp}/spire-envoy-lab-toolchain.log"
  step "build the lab's Java modules (webapp, sds-agent, workshop)" "run 'mvn -B package -pl workshop -am -DskipTests' and read its error"
  mvnq package -pl workshop,webapp,sds-agent -am -DskipTests -DskipITs
fi
trap - ERR
# The lab outlives each command: its containers are reusable, so Testcontainers leaves them at exit (LabStack).
export TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=localhost TESTCONTAINERS_REUSE_ENABLE=true
exec java -Dlab.root="$LAB_ROOT" -Dorg.slf4j.simpleLogger.defaultLogLevel=error -jar "$jar" "$@"
