#!/usr/bin/env bash
# Lab 1's solution: exactly what the attendee types (docs/01-x509.md). scripts/lab.sh solve x509 runs it.
# LAB_PREFIX (lab) names the containers, LAB_WORK (work/) holds the working copy of Envoy's config.
set -euo pipefail
: "${LAB_ROOT:?}" "${LAB_PREFIX:=lab}" "${LAB_WORK:=$LAB_ROOT/work}"
source "$LAB_ROOT/lab.properties"

# Step 1: Envoy asks SPIRE's SDS for its certificate by customer-service's SPIFFE ID and for the bundle by the trust
# domain's ID — the names in customer-service/envoy/envoy-x509.yaml. Envoy reads its config at start: restart it.
cp "$LAB_ROOT/customer-service/envoy/envoy-x509.yaml" "$LAB_WORK/envoy.yaml"
docker restart "$LAB_PREFIX-envoy"

# Step 2: register customer-service. SPIRE issues its SVID to any container labelled
# org.spiffelab.workload=customer-service (Envoy is one); Envoy's listener turns from warming to active.
docker exec "$LAB_PREFIX-spire-server" /opt/spire/bin/spire-server entry create \
  -parentID "$DOCKER_NODE_ID" \
  -spiffeID "$CUSTOMER_SERVICE_ID" \
  -selector "docker:label:$WORKLOAD_LABEL:customer-service" \
  -dns customer-service
