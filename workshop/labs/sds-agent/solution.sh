#!/usr/bin/env bash
# Lab 3's solution (docs/03-sds-agent.md): run sds-agent as a sidecar of customer-service's pod. Envoy's config does
# not change: Envoy already mounts the volume $LAB_PREFIX-sds-socket where it expects SPIRE's socket, and waits.
# scripts/lab.sh solve sds-agent runs it.
set -euo pipefail
: "${LAB_ROOT:?}" "${LAB_PREFIX:=lab}"
source "$LAB_ROOT/lab.properties"

# In the pod's network namespace (like a container of the same Kubernetes pod), labelled so SPIRE attests it as
# customer-service; it reads the Workload API and serves SDS on its own socket.
docker run -d --name "$LAB_PREFIX-sds-agent" \
  --network "container:$LAB_PREFIX-nginx" \
  --label "$WORKLOAD_LABEL=customer-service" \
  -v "$LAB_PREFIX-agent-socket:$SPIRE_AGENT_SOCKET_DIR:ro" \
  -v "$LAB_PREFIX-sds-socket:$SDS_AGENT_SOCKET_DIR" \
  "$SDS_AGENT_IMAGE" run \
  --workload-api-socket="unix:$SPIRE_AGENT_SOCKET" \
  --sds-socket="$SDS_AGENT_SOCKET"
