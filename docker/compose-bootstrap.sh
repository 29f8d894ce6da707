#!/usr/bin/env bash
# The compose stack's one-shot bootstrap (runs in the toolbox image): what the test harness does in LabStack.start().
set -euo pipefail
source /lab/lab.properties
server() { spire-server "$@" -socketPath /tmp/spire-server/private/api.sock; }

echo "waiting for the SPIRE server"
for _ in $(seq 1 60); do server healthcheck >/dev/null 2>&1 && break; sleep 1; done
server healthcheck

server bundle show -format pem > /bootstrap/bundle.pem
server token generate -spiffeID "$DOCKER_NODE_ID" -ttl 600 | sed 's/^Token: *//' > /bootstrap/join-token

while read -r workload key dns; do
  case "$workload" in ''|'#'*) continue ;; esac
  args=(-parentID "$DOCKER_NODE_ID" -spiffeID "${!key}" -selector "docker:label:$WORKLOAD_LABEL:$workload")
  for name in $dns; do args+=(-dns "$name"); done
  # A second `up` finds the entries already there.
  if out=$(server entry create "${args[@]}" 2>&1); then
    echo "registered $workload as ${!key}"
  elif grep -qi "similar entry already exists" <<<"$out"; then
    echo "$workload already registered"
  else
    echo "$out" >&2; exit 1
  fi
done < /lab/docker/spire/registrations.txt
