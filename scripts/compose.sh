#!/usr/bin/env bash
# docker compose for docker/compose.yaml, with the images, IDs and ports of lab.properties.
#   scripts/compose.sh up --build     scripts/compose.sh down -v
set -Eeuo pipefail
source "$(dirname "$0")/lib.sh"
cd "$LAB_ROOT"
set -a
source lab.properties
SPIRE_SERVER_IMAGE=$(image_for SPIRE_SERVER)
SPIRE_AGENT_IMAGE=$(image_for SPIRE_AGENT)
ENVOY_IMAGE=$(image_for ENVOY)
NGINX_IMAGE=$(image_for NGINX)
JRE_IMAGE=$(image_for JRE)
set +a
if [ ! -f webapp/target/webapp.jar ]; then
  step "package the webapp" "run 'mvn -pl webapp -am package -DskipTests' and read its error"
  mvn -B -q --no-transfer-progress -pl webapp -am package -DskipTests -DskipITs
fi
if docker compose version >/dev/null 2>&1; then compose=(docker compose); else compose=(docker-compose); fi
exec "${compose[@]}" -p spire-envoy-lab -f docker/compose.yaml "$@"
