#!/usr/bin/env bash
# kustomize only reads files below a kustomization, so k8s/ and workshop/labs/*/k8s hold copies of the config files
# the Docker runtime mounts. This script makes the copies; K8sConfigSyncTest fails when one differs from its source.
set -Eeuo pipefail
source "$(dirname "$0")/lib.sh"
cd "$LAB_ROOT"
sync() { mkdir -p "$(dirname "$2")"; cp "$1" "$2"; info "$1 -> $2"; }
step "sync config files into k8s/"
sync customer-service/nginx/nginx.conf k8s/workloads/files/nginx.conf
for f in $(cd customer-service/nginx/html && find . -type f -name '*.json' | sort); do
  sync "customer-service/nginx/html/${f#./}" "k8s/workloads/files/html/${f#./}"
done
for s in x509 rbac jwt; do
  sync "customer-service/envoy/envoy-$s.yaml" "k8s/scenarios/$s/envoy.yaml"
done
sync customer-service/envoy/envoy-x509.yaml k8s/scenarios/sds-agent/envoy.yaml
sync webapp/envoy/envoy-forward-jwt.yaml k8s/scenarios/jwt/envoy-forward.yaml
# The hands-on labs on Kubernetes start where the Docker labs do (workshop/labs/<lab>/k8s).
sync customer-service/envoy/envoy-x509.yaml workshop/labs/rbac/k8s/envoy.yaml
sync workshop/labs/jwt/envoy.yaml workshop/labs/jwt/k8s/envoy.yaml
