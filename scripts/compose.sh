#!/usr/bin/env bash
# docker compose for docker/compose.yaml: one scenario (LAB_SCENARIO: x509, rbac — the default —, sds-agent, jwt) with
# the images, IDs and ports of lab.properties. Pages on 127.0.0.1: webapp :8080, webapp-2 :8082.
#   scripts/compose.sh up -d --build     LAB_SCENARIO=jwt scripts/compose.sh up -d --build     scripts/compose.sh down -v
# LAB_COMPOSE_PROJECT (default spire-envoy-lab) and WEBAPP_HOST_PORT, WEBAPP_2_HOST_PORT, ENVOY_HOST_PORT override the
# project name and host ports (the compose test runs its own copy on free ports).
set -Eeuo pipefail
source "$(dirname "$0")/lib.sh"
trap on_error ERR
cd "$LAB_ROOT"
case "${1:-}" in
  ""|-h|--help|help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; [ -n "${1:-}" ]; exit $? ;;
esac
scenario="${LAB_SCENARIO:-rbac}"
set -a
source lab.properties
# The page names the scenario and links its lab (webapp's LAB_SCENARIO).
LAB_SCENARIO="$scenario"
SPIRE_SERVER_IMAGE=$(image_for SPIRE_SERVER)
SPIRE_AGENT_IMAGE=$(image_for SPIRE_AGENT)
ENVOY_IMAGE=$(image_for ENVOY)
NGINX_IMAGE=$(image_for NGINX)
JRE_IMAGE=$(image_for JRE)
WEBAPP_HOST_PORT="${WEBAPP_HOST_PORT:-$DEMO_WEBAPP_PORT}"
WEBAPP_2_HOST_PORT="${WEBAPP_2_HOST_PORT:-$DEMO_WEBAPP_2_PORT}"
ENVOY_HOST_PORT="${ENVOY_HOST_PORT:-$DEMO_ENVOY_TLS_PORT}"
ENVOY_SDS_VOLUME=agent-socket
WEBAPP_UPSTREAM="https://customer-service:$ENVOY_TLS_PORT"
COMPOSE_PROFILES=""
# The same Envoy configs as the harness's scenarios (StackSpec; ComposeFileTest checks they agree).
case "$scenario" in
  x509) ENVOY_CONFIG=customer-service/envoy/envoy-x509.yaml ;;
  rbac) ENVOY_CONFIG=customer-service/envoy/envoy-rbac.yaml ;;
  sds-agent) ENVOY_CONFIG=customer-service/envoy/envoy-x509.yaml; ENVOY_SDS_VOLUME=sds-socket; COMPOSE_PROFILES=sds-agent ;;
  jwt) ENVOY_CONFIG=customer-service/envoy/envoy-jwt.yaml; ENVOY_SDS_VOLUME=sds-socket; COMPOSE_PROFILES=jwt
       WEBAPP_UPSTREAM="http://127.0.0.1:$WEBAPP_FORWARD_PORT" ;;
  *) die "LAB_SCENARIO must be x509, rbac, sds-agent or jwt, not '$scenario'" ;;
esac
set +a
if docker compose version >/dev/null 2>&1; then compose=(docker compose); elif command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
else
  die "neither 'docker compose' nor 'docker-compose' is installed: run scripts/toolchain.sh (it installs Debian's docker-compose)"
fi
if [ "$1" = up ]; then
  [ -z "$(running_lab)" ] || die "a lab is already running ($(running_lab)) on the same ports: stop it first (Ctrl-C in the demo's terminal, or scripts/lab.sh stop)"
  if [ ! -f webapp/target/webapp.jar ] || [ ! -f sds-agent/target/sds-agent.jar ]; then
    step "package the webapp and sds-agent" "run 'mvn -pl webapp,sds-agent -am package -DskipTests' and read its error"
    mvnq -pl webapp,sds-agent -am package -DskipTests -DskipITs
  fi
  info "scenario $scenario: webapp http://localhost:$WEBAPP_HOST_PORT/, webapp-2 http://localhost:$WEBAPP_2_HOST_PORT/"
fi
exec "${compose[@]}" -p "${LAB_COMPOSE_PROJECT:-spire-envoy-lab}" -f docker/compose.yaml "$@"
