#!/usr/bin/env bash
# The demo on Kubernetes (scripts/demo.sh --k8s <scenario> runs this): brings up the lab's local cluster unless
# KUBECONFIG names yours, builds the webapp and sds-agent images and loads them (local cluster), applies the scenario
# with the docs' commands, waits for the rollouts, port-forwards webapp and webapp-2 to the fixed local ports of
# lab.properties and prints the URLs. Ctrl-C stops the port-forwards; the scenario stays deployed (clean-up printed).
set -Eeuo pipefail
source "$(dirname "$0")/lib.sh"
trap on_error ERR
cd "$LAB_ROOT"
scenario="${1:?usage: scripts/demo.sh --k8s x509|rbac|sds-agent|jwt}"

k8s_cluster_with_images

step "deploy scenario $scenario" "kubectl describe the pod that is not ready; 'kubectl get events -A'"
# The docs' commands (KubernetesCommands in scenario-tests, checked against the docs).
kubectl apply -k k8s/crds
kubectl wait --for condition=established --timeout=60s -f k8s/crds/crds.yaml
kubectl apply -k "k8s/scenarios/$scenario"
step "wait for the rollouts" "kubectl -n demo describe pods; kubectl -n spire logs spire-server-0 --all-containers"
kubectl -n spire rollout status statefulset/spire-server --timeout=300s
kubectl -n spire rollout status daemonset/spire-agent --timeout=300s
kubectl -n demo rollout status deployment/customer-service --timeout=300s
kubectl -n demo rollout status deployment/webapp --timeout=300s
kubectl -n demo rollout status deployment/webapp-2 --timeout=300s

step "port-forward webapp and webapp-2 (Ctrl-C stops them)"
kubectl -n demo port-forward svc/webapp "$K8S_WEBAPP_LOCAL_PORT:8080" >/dev/null &
pf1=$!
kubectl -n demo port-forward svc/webapp-2 "$K8S_WEBAPP_2_LOCAL_PORT:8080" >/dev/null &
pf2=$!
trap 'kill "$pf1" "$pf2" 2>/dev/null || true' EXIT
trap - ERR
printf '\n  webapp    http://localhost:%s/\n  webapp-2  http://localhost:%s/\n\n' "$K8S_WEBAPP_LOCAL_PORT" "$K8S_WEBAPP_2_LOCAL_PORT"
printf '  clean up: kubectl delete -k k8s/scenarios/%s --ignore-not-found\n' "$scenario"
[ -n "$user_cluster" ] || printf '  (KUBECONFIG and PATH for kubectl: eval "$(scripts/cluster.sh env)"; stop the cluster: scripts/cluster.sh down)\n'
status=0
wait -n "$pf1" "$pf2" || status=$?
[ "$status" = 0 ] || [ "$status" = 130 ] || [ "$status" = 143 ] || die "a port-forward stopped (exit $status)"
