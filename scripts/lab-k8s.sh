#!/usr/bin/env bash
# The workshop's Kubernetes path (scripts/lab.sh <command> x509 --k8s runs this), hands-on for lab 1:
#   start x509    SPIRE and the workloads without a ClusterSPIFFEID: no pod gets an SVID; yours is work/cluster-spiffe-id.yaml
#   check x509    each step ✓, or what is wrong and how to fix it (exit code 0 only when all are done)
#   solve x509    applies the scenario's own ClusterSPIFFEID (k8s/base/cluster-spiffe-id.yaml)
#   stop x509     deletes what start applied (the cluster stays; scripts/cluster.sh down stops it)
# Labs 2-4 on Kubernetes run finished: scripts/demo.sh --k8s <lab>.
set -Eeuo pipefail
source "$(dirname "$0")/lib.sh"
trap on_error ERR
cd "$LAB_ROOT"

command="${1:-}" lab="${2:-}"
case "$command" in start|check|solve|stop) ;; *) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;; esac
[ "$lab" = x509 ] || die "on Kubernetes, lab 1 (x509) is hands-on; the others run finished: scripts/demo.sh --k8s ${lab:-<lab>}"

LAB_KUSTOMIZATION=workshop/labs/x509/k8s
WORK_FILE="${LAB_WORK_DIR:-work}/cluster-spiffe-id.yaml"  # LAB_WORK_DIR: the tests use their own
SOLUTION=k8s/base/cluster-spiffe-id.yaml

use_cluster() {  # kubectl of KUBECONFIG's cluster, else of the local one (which must be up)
  if [ -z "${KUBECONFIG:-}" ]; then
    bash "$LAB_ROOT/scripts/cluster.sh" status >/dev/null 2>&1 || die "the lab's cluster is not up: scripts/lab.sh start x509 --k8s"
    eval "$(bash "$LAB_ROOT/scripts/cluster.sh" env)"
  fi
}

start() {
  k8s_cluster_with_images
  step "deploy lab x509: SPIRE and the workloads, no ClusterSPIFFEID" "kubectl -n demo describe pods; kubectl get events -A"
  kubectl apply -k k8s/crds >/dev/null
  kubectl wait --for condition=established --timeout=60s -f k8s/crds/crds.yaml >/dev/null
  kubectl apply -k "$LAB_KUSTOMIZATION" >/dev/null
  # The lab's starting point has no ClusterSPIFFEID, also over an earlier run (your file in work/ is kept).
  kubectl delete clusterspiffeid --all --ignore-not-found >/dev/null
  kubectl -n spire rollout status statefulset/spire-server --timeout=300s
  kubectl -n spire rollout status daemonset/spire-agent --timeout=300s
  mkdir -p "$(dirname "$WORK_FILE")"
  if [ -f "$WORK_FILE" ]; then info "kept your $WORK_FILE"; else cp workshop/labs/x509/k8s/cluster-spiffe-id.yaml "$WORK_FILE"; fi
  printf '\n  SPIRE runs, the pods wait for an SVID: nothing tells SPIRE which ID each pod gets.\n'
  printf '  Write the spiffeIDTemplate in %s, then: kubectl apply -f %s\n' "$WORK_FILE" "$WORK_FILE"
  printf '  Check your work: scripts/lab.sh check x509 --k8s   (kubectl: eval "$(scripts/cluster.sh env)")\n'
}

done_steps=0 all_steps=0
ok() { all_steps=$((all_steps + 1)); done_steps=$((done_steps + 1)); printf '  ✓ %s\n' "$1"; }
bad() { all_steps=$((all_steps + 1)); printf '  ✗ %s\n      %s\n' "$1" "$2"; }

ready() {  # ready DEPLOYMENT — its pod passes its readiness probe now (no waiting: check reads the state)
  [ "$(kubectl -n demo get deployment "$1" -o jsonpath='{.status.readyReplicas}' 2>/dev/null)" = 1 ]
}

check() {
  use_cluster
  local csid selected entries id missing=() port pf page
  csid=$(kubectl get clusterspiffeid -o name 2>/dev/null | head -1)
  if [ -n "$csid" ]; then ok "a ClusterSPIFFEID is applied ($csid)"
  else bad "a ClusterSPIFFEID is applied" "write $WORK_FILE's spiffeIDTemplate, then: kubectl apply -f $WORK_FILE"; fi
  selected=$( [ -n "$csid" ] && kubectl get "$csid" -o jsonpath='{.status.stats.podsSelected}' 2>/dev/null || true)
  if [ "${selected:-0}" -ge 3 ]; then ok "it selects the demo pods ($selected)"
  else bad "it selects the demo pods (customer-service, webapp, webapp-2)" \
    "status.stats.podsSelected is ${selected:-0}: the namespaceSelector must match namespace demo (kubectl get ${csid:-clusterspiffeid} -o yaml)"; fi
  entries=$(kubectl -n spire exec spire-server-0 -c spire-server -- /opt/spire/bin/spire-server entry show 2>/dev/null || true)
  for id in "$CUSTOMER_SERVICE_ID" "$WEBAPP_ID" "$WEBAPP_2_ID"; do grep -qE "^SPIFFE ID +: $id\$" <<<"$entries" || missing+=("$id"); done
  if [ ${#missing[@]} -eq 0 ]; then ok "SPIRE has an entry for customer-service, webapp and webapp-2"
  else bad "SPIRE has an entry for customer-service, webapp and webapp-2" \
    "no entry for ${missing[*]}: the template must yield spiffe://{{ .TrustDomain }}/ns/<namespace>/sa/<service account> (see 'spire-server entry show')"; fi
  if ready customer-service; then ok "customer-service is ready (its Envoy holds its SVID)"
  else bad "customer-service is ready (its Envoy holds its SVID)" \
    "not yet: a pod is ready within about 30 s of its entry; else kubectl -n demo logs deploy/customer-service -c envoy"; fi
  if ready webapp && ready webapp-2; then ok "webapp and webapp-2 are ready (each holds its SVID)"
  else bad "webapp and webapp-2 are ready (each holds its SVID)" "not yet: wait half a minute; else kubectl -n demo logs deploy/webapp"; fi
  # The page, through a port-forward on a free local port (yours on 18080 may be running).
  pf=$(mktemp); kubectl -n demo port-forward svc/webapp :8080 >"$pf" 2>&1 & local pid=$!
  for _ in $(seq 1 20); do port=$(sed -n 's/^Forwarding from 127.0.0.1:\([0-9]*\).*/\1/p' "$pf" | head -1); [ -n "$port" ] && break; sleep 0.5; done
  page=$( [ -n "${port:-}" ] && curl -s --max-time 20 "http://127.0.0.1:$port/api/portal" || true)
  kill "$pid" 2>/dev/null || true; rm -f "$pf"
  if grep -q '"balance"' <<<"$page"; then ok "webapp's page shows the balance, fetched over mTLS"
  else bad "webapp's page shows the balance, fetched over mTLS" "kubectl -n demo port-forward svc/webapp $K8S_WEBAPP_LOCAL_PORT:8080, then open http://localhost:$K8S_WEBAPP_LOCAL_PORT/"; fi
  printf '\n  %s of %s steps done\n' "$done_steps" "$all_steps"
  [ "$done_steps" = "$all_steps" ]
}

solve() {
  use_cluster
  step "apply the solution: $SOLUTION" "kubectl apply -f $SOLUTION"
  kubectl apply -f "$SOLUTION"
}

stop() {
  use_cluster
  step "remove lab x509 (the cluster stays: scripts/cluster.sh down)" "kubectl get ns"
  kubectl delete -k "$LAB_KUSTOMIZATION" --ignore-not-found
}

# check's answer is its exit code, not a failure of this script.
if [ "$command" = check ]; then trap - ERR; fi
"$command"
