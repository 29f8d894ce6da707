#!/usr/bin/env bash
# Lab 4's solution (docs/04-jwt.md): add the ext_authz filter that asks sds-agent to validate each request's JWT-SVID —
# the finished config is customer-service/envoy/envoy-jwt.yaml — and restart Envoy. scripts/lab.sh solve jwt runs it.
set -euo pipefail
: "${LAB_ROOT:?}" "${LAB_PREFIX:=lab}" "${LAB_WORK:=$LAB_ROOT/work}"

cp "$LAB_ROOT/customer-service/envoy/envoy-jwt.yaml" "$LAB_WORK/envoy.yaml"
docker restart "$LAB_PREFIX-envoy"
