#!/usr/bin/env bash
# Lab 2's solution (docs/02-rbac.md): add the RBAC HTTP filter — the finished config is
# customer-service/envoy/envoy-rbac.yaml — and restart Envoy. scripts/lab.sh solve rbac runs it.
set -euo pipefail
: "${LAB_ROOT:?}" "${LAB_PREFIX:=lab}" "${LAB_WORK:=$LAB_ROOT/work}"

cp "$LAB_ROOT/customer-service/envoy/envoy-rbac.yaml" "$LAB_WORK/envoy.yaml"
docker restart "$LAB_PREFIX-envoy"
