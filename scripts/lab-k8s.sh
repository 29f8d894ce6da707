#!/usr/bin/env bash
# The workshop's Kubernetes path (scripts/lab.sh <command> <lab> --k8s runs this), hands-on for labs 1-4:
#   start <lab>   deploys workshop/labs/<lab>/k8s: the lab's scenario lacking exactly what the lab teaches; your edit
#                 goes to work/ (x509: cluster-spiffe-id.yaml; rbac, jwt: k8s-<lab>/envoy.yaml; sds-agent:
#                 k8s-sds-agent/sds-agent-sidecar.yaml) and start prints the kubectl command that applies it
#   check <lab>   each step ✓, or what is wrong and how to fix it (exit code 0 only when all are done)
#   solve <lab>   applies the scenario's own solution (x509: k8s/base/cluster-spiffe-id.yaml; others: k8s/scenarios/<lab>)
#   stop <lab>    deletes what start applied (the cluster stays; scripts/cluster.sh down stops it)
# Labs: x509, rbac, sds-agent, jwt (docs/01-04). Only want to look? scripts/demo.sh --k8s <lab> runs a finished one.
set -Eeuo pipefail
source "$(dirname "$0")/lib.sh"
trap on_error ERR
cd "$LAB_ROOT"

command="${1:-}" lab="${2:-}"
case "$command" in start|check|solve|stop) ;; *) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;; esac
case "$lab" in x509|rbac|sds-agent|jwt) ;; *) die "no lab '${lab}' on Kubernetes: use x509, rbac, sds-agent or jwt (scripts/lab.sh help)" ;; esac

LAB_KUSTOMIZATION="workshop/labs/$lab/k8s"
WORK="${LAB_WORK_DIR:-work}"  # LAB_WORK_DIR: the tests use their own
case "$lab" in
  x509)      WORK_FILE="$WORK/cluster-spiffe-id.yaml"; START_FILE="$LAB_KUSTOMIZATION/cluster-spiffe-id.yaml"
             APPLY="kubectl apply -f $WORK_FILE"; SOLUTION=k8s/base/cluster-spiffe-id.yaml ;;
  sds-agent) WORK_FILE="$WORK/k8s-$lab/sds-agent-sidecar.yaml"; START_FILE="$LAB_KUSTOMIZATION/sds-agent-sidecar.yaml"
             APPLY="kubectl apply -k $WORK/k8s-$lab"; SOLUTION="k8s/scenarios/$lab" ;;
  *)         WORK_FILE="$WORK/k8s-$lab/envoy.yaml"; START_FILE="$LAB_KUSTOMIZATION/envoy.yaml"
             APPLY="kubectl apply -k $WORK/k8s-$lab"; SOLUTION="k8s/scenarios/$lab" ;;
esac

use_cluster() {  # kubectl of KUBECONFIG's cluster, else of the local one (which must be up)
  if [ -z "${KUBECONFIG:-}" ]; then
    bash "$LAB_ROOT/scripts/cluster.sh" status >/dev/null 2>&1 || die "the lab's cluster is not up: scripts/lab.sh start $lab --k8s"
    eval "$(bash "$LAB_ROOT/scripts/cluster.sh" env)"
  fi
}

# work/k8s-<lab>/kustomization.yaml: the lab's deployment with the attendee's file in place. kustomize reads files only
# below a kustomization, so the attendee's file sits next to it; the lab is found by a relative path.
write_work_kustomization() {
  local dir="$WORK/k8s-$lab" base wiring
  base=$(realpath -m --relative-to="$dir" "$LAB_ROOT/$LAB_KUSTOMIZATION")
  if [ "$lab" = sds-agent ]; then
    wiring=$'patches:\n- path: sds-agent-sidecar.yaml'
  else
    # The same name as the lab's ConfigMap: its content hash changes with your edit, so the pod restarts with it.
    wiring=$'configMapGenerator:\n- name: customer-service-envoy\n  namespace: demo\n  behavior: replace\n  files:\n  - envoy.yaml'
  fi
  cat >"$dir/kustomization.yaml" <<EOF
# Written by scripts/lab.sh start $lab --k8s: lab $lab's deployment with your $(basename "$WORK_FILE") (edit that file,
# not this one). Apply: $APPLY
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- $base
$wiring
EOF
}

start() {
  k8s_cluster_with_images
  step "deploy lab $lab: workshop/labs/$lab/k8s" "kubectl -n demo describe pods; kubectl get events -A"
  kubectl apply -k k8s/crds >/dev/null
  kubectl wait --for condition=established --timeout=60s -f k8s/crds/crds.yaml >/dev/null
  local earlier_pods
  earlier_pods=$(kubectl -n demo get pods -o name 2>/dev/null || true)
  kubectl apply -k "$LAB_KUSTOMIZATION" >/dev/null
  # Lab 1's starting point has no ClusterSPIFFEID, also over an earlier run (your file in work/ is kept).
  if [ "$lab" = x509 ]; then kubectl delete clusterspiffeid --all --ignore-not-found >/dev/null; fi
  kubectl -n spire rollout status statefulset/spire-server --timeout=300s
  kubectl -n spire rollout status daemonset/spire-agent --timeout=300s
  if [ "$lab" = x509 ] && [ -n "$earlier_pods" ]; then
    # An earlier run's pods keep the SVIDs they hold: once SPIRE has dropped their entries, they restart without one.
    step "restart the pods of an earlier run without an SVID" "kubectl -n spire exec spire-server-0 -c spire-server -- /opt/spire/bin/spire-server entry show"
    for _ in $(seq 1 60); do
      kubectl -n spire exec spire-server-0 -c spire-server -- /opt/spire/bin/spire-server entry show 2>/dev/null | grep -q "/ns/demo/" || break
      sleep 1
    done
    kubectl -n spire exec spire-server-0 -c spire-server -- /opt/spire/bin/spire-server entry show | grep -q "/ns/demo/" \
      && die "SPIRE still has entries for namespace demo a minute after the ClusterSPIFFEID went: kubectl -n spire logs spire-server-0 -c spire-controller-manager"
    kubectl -n demo delete pods --all --wait=false >/dev/null
  fi
  # What can be ready is awaited, so the first check reads the lab's starting point, not a rollout half done.
  case "$lab" in
    rbac|jwt) kubectl -n demo rollout status deployment/customer-service --timeout=300s ;;
  esac
  if [ "$lab" != x509 ]; then
    kubectl -n demo rollout status deployment/webapp --timeout=300s
    kubectl -n demo rollout status deployment/webapp-2 --timeout=300s
  fi
  mkdir -p "$(dirname "$WORK_FILE")"
  if [ -f "$WORK_FILE" ]; then info "kept your $WORK_FILE"; else cp "$START_FILE" "$WORK_FILE"; fi
  if [ "$lab" != x509 ]; then write_work_kustomization; fi
  printf '\n'
  case "$lab" in
    x509) printf '  SPIRE runs, the pods wait for an SVID: nothing tells SPIRE which ID each pod gets.\n'
          printf '  Write the spiffeIDTemplate in %s, then: %s\n' "$WORK_FILE" "$APPLY" ;;
    rbac) printf '  Lab 1 finished, no policy yet: webapp and webapp-2 both get the balance.\n'
          printf '  Add the RBAC filter to %s (docs/02-rbac.md), then: %s\n' "$WORK_FILE" "$APPLY" ;;
    sds-agent) printf "  customer-service's Envoy waits for its SVID: nothing serves SDS on the socket it mounts.\n"
          printf '  Fill in the TODOs of %s (docs/03-sds-agent.md), then: %s\n' "$WORK_FILE" "$APPLY" ;;
    jwt)  printf "  webapp's forward Envoy sends its JWT-SVID; customer-service's Envoy checks nothing yet.\n"
          printf '  Add the ext_authz filter to %s (docs/04-jwt.md), then: %s\n' "$WORK_FILE" "$APPLY" ;;
  esac
  printf '  Check your work: scripts/lab.sh check %s --k8s   (kubectl: eval "$(scripts/cluster.sh env)")\n' "$lab"
}

# ----- check: reads the cluster, never waits for it ------------------------------------------------------------------

done_steps=0 all_steps=0
ok() { all_steps=$((all_steps + 1)); done_steps=$((done_steps + 1)); printf '  ✓ %s\n' "$1"; }
bad() { all_steps=$((all_steps + 1)); printf '  ✗ %s\n      %s\n' "$1" "${*:2}"; }  # bad TITLE WHAT_TO_DO...
step_if() {  # step_if CONDITION_EXIT_CODE TITLE WHAT_TO_DO
  if [ "$1" = 0 ]; then ok "$2"; else bad "$2" "$3"; fi
}

rolled_out() {  # rolled_out DEPLOYMENT — its one pod runs the current template and passes its readiness probe
  local gen obs want updated ready total
  IFS=/ read -r gen obs want updated ready total < <(kubectl -n demo get deployment "$1" -o \
    jsonpath='{.metadata.generation}/{.status.observedGeneration}/{.spec.replicas}/{.status.updatedReplicas}/{.status.readyReplicas}/{.status.replicas}{"\n"}' 2>/dev/null || echo)
  [ -n "$gen" ] && [ "$gen" = "$obs" ] && [ "$updated" = "$want" ] && [ "$ready" = "$want" ] && [ "$total" = "$want" ]
}

# The JSON the checks read (Envoy's admin, the pod, webapp's page), through python3 (the cluster's build needs it too).
json() {  # json QUERY [ARG] < JSON
  python3 -c '
import json, sys
query, arg = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "")
try:
    doc = json.load(sys.stdin)
except ValueError:
    doc = {}
def find(node, field):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == field:
                yield v
            else:
                yield from find(v, field)
    elif isinstance(node, list):
        for v in node:
            yield from find(v, field)
filters = next(find(doc, "http_filters"), [])
def config(name):
    return next((f.get("typed_config", {}) for f in filters if f.get("name") == name), None)
if query == "filters":
    print(" ".join(f.get("name", "") for f in filters))
elif query == "before-router":
    names = [f.get("name") for f in filters]
    router = names.index("envoy.filters.http.router") if "envoy.filters.http.router" in names else len(names)
    sys.exit(0 if arg in names and names.index(arg) < router else 1)
elif query == "rbac-principals":
    print(" ".join(p["exact"] for p in find(config("envoy.filters.http.rbac") or {}, "principal_name") if "exact" in p))
elif query == "rbac-action":
    rbac = config("envoy.filters.http.rbac")
    print("none" if rbac is None else rbac.get("rules", {}).get("action", "ALLOW"))
elif query == "ext-authz-cluster":
    print(next(find(config("envoy.filters.http.ext_authz") or {}, "cluster_name"), ""))
elif query == "ext-authz-fail-open":
    authz = config("envoy.filters.http.ext_authz")
    print("none" if authz is None else str(bool(authz.get("failure_mode_allow", False))).lower())
elif query == "cert-id":
    chains = [c for chain in find(doc, "cert_chain") for c in chain]
    print(next((s["uri"] for c in chains for s in c.get("subject_alt_names", []) if "uri" in s), ""))
elif query == "outcome":  # a page result as the Docker check words it
    r = doc.get("result")
    if r is None:
        print("nothing (the page did not answer)")
    elif "balance" in r:
        print("the balance")
    else:
        print("%s (%s%s)" % (r.get("reason", "?"), str(r["status"]) + " " if r.get("status") else "", r.get("message", "")))
elif query == "result":  # one field of a page result
    value = (doc.get("result") or {}).get(arg)
    print("" if value is None else value)
elif query == "has-balance":
    sys.exit(0 if "balance" in (doc.get("result") or {}) else 1)
elif query == "container":  # a container of a pod: its args, mounts (volume=path) and state
    spec = next((c for c in doc.get("spec", {}).get("containers", []) if c.get("name") == arg), None)
    status = next((c for c in doc.get("status", {}).get("containerStatuses", []) if c.get("name") == arg), {})
    if spec is not None:
        state = status.get("state", {})
        why = next(iter(state.values()), {}).get("reason", "")
        print("state=" + next(iter(state), "pending") + (" (" + why + ")" if why else ""))
        print("args=" + " ".join(spec.get("args", [])))
        for m in spec.get("volumeMounts", []):
            print("mount=%s=%s" % (m.get("name"), m.get("mountPath")))
' "$@"
}

# Port-forwards on free local ports (yours on 18080 may be running), opened by check itself (not in a $(...) subshell,
# which would lose them) and closed when it exits.
forwards=()
close_forwards() { local p; for p in "${forwards[@]}"; do kill "$p" 2>/dev/null || true; done; }
forward() {  # forward VAR TARGET PORT — sets VAR to the local port, empty when the port-forward did not come up
  local out_file local_port=""
  out_file=$(mktemp)
  kubectl -n demo port-forward "$2" ":$3" >"$out_file" 2>&1 &
  forwards+=($!)
  for _ in $(seq 1 20); do
    local_port=$(sed -n 's/^Forwarding from 127.0.0.1:\([0-9]*\).*/\1/p' "$out_file" | head -1)
    [ -n "$local_port" ] && break
    kill -0 "${forwards[-1]}" 2>/dev/null || break
    sleep 0.5
  done
  rm -f "$out_file"
  printf -v "$1" '%s' "$local_port"
}

# customer-service's newest pod: during a rollout the old one still answers, but the newest runs what you applied.
newest_pod() {
  kubectl -n demo get pods -l app=customer-service --sort-by=.metadata.creationTimestamp \
    -o jsonpath='{range .items[*]}{.metadata.name} {.metadata.deletionTimestamp}{"\n"}{end}' 2>/dev/null | awk 'NF == 1 {print $1}' | tail -1 || true
}

admin_port="" webapp_port="" webapp_2_port="" cs_pod=""
admin() {  # admin PATH — customer-service's Envoy admin, in its newest pod
  [ -n "$admin_port" ] && curl -s --max-time 10 "http://127.0.0.1:$admin_port$1" || true
}

portal() {  # portal SERVICE — webapp's (or webapp-2's) JSON view; each call opens the page once more
  local port=$webapp_port
  [ "$1" = webapp ] || port=$webapp_2_port
  [ -n "$port" ] && curl -s --max-time 20 "http://127.0.0.1:$port/api/portal" || true
}

open_page() {  # open_page SERVICE — the way an attendee reaches it, for the fix texts
  local local_port=$K8S_WEBAPP_LOCAL_PORT
  [ "$1" = webapp ] || local_port=$K8S_WEBAPP_2_LOCAL_PORT
  printf 'kubectl -n demo port-forward svc/%s %s:8080, then open http://localhost:%s/' "$1" "$local_port" "$local_port"
}

balance_step() {  # balance_step SERVICE — its page shows the balance, fetched over mTLS
  local view
  view=$(portal "$1")
  if json has-balance <<<"$view"; then ok "$1's page shows the balance, fetched over mTLS"
  else bad "$1's page shows the balance, fetched over mTLS" "it shows $(json outcome <<<"$view"): $(open_page "$1") and read why"; fi
}

# The restart an edit needs: your file becomes the pod's, and a new pod starts with it.
rolling_hint() {
  # (sds-agent's lab never rolls out before it is solved: its newest pod waits for SDS.)
  if [ "$lab" = sds-agent ] || rolled_out customer-service; then printf ', then: %s' "$APPLY"
  else printf ' — customer-service is still rolling out what you applied last: %s, then check again' \
    'kubectl -n demo rollout status deployment/customer-service'; fi
}

envoy_filter_steps() {  # envoy_filter_steps FILTER — Envoy runs FILTER before the router; sets $dump
  dump=$(admin /config_dump)
  if [ -z "$dump" ] && ! rolled_out customer-service; then
    bad "customer-service's Envoy runs $1, before the router" \
      "its new pod ${cs_pod:-(none)} is starting: kubectl -n demo rollout status deployment/customer-service, then check again"
  elif [ -z "$dump" ]; then
    bad "customer-service's Envoy runs $1, before the router" \
      "its admin does not answer in pod ${cs_pod:-(none)}: kubectl -n demo describe pod ${cs_pod:-<pod>}; kubectl -n demo logs ${cs_pod:-<pod>} -c envoy"
  elif json before-router "$1" <<<"$dump"; then ok "customer-service's Envoy runs $1, before the router"
  else bad "customer-service's Envoy runs $1, before the router" \
    "its HTTP filters are [$(json filters <<<"$dump")]: add $1 to http_filters in $WORK_FILE, above the router$(rolling_hint)"; fi
}

counters_step() {  # counters_step NAME1 NAME2 — both Envoy counters moved (the pages above were just opened)
  local stats a b
  stats=$(admin "/stats?filter=http.customer_service.")
  a=$(sed -n "s/^http\.customer_service\.$1: //p" <<<"$stats"); b=$(sed -n "s/^http\.customer_service\.$2: //p" <<<"$stats")
  if [ "${a:-0}" -gt 0 ] && [ "${b:-0}" -gt 0 ]; then ok "Envoy's counters moved ($1 = $a, $2 = $b)"
  else bad "Envoy's counters moved ($1, $2)" "$1 = ${a:-0}, $2 = ${b:-0}: open both pages once more; see" \
    "kubectl -n demo port-forward deploy/customer-service 9901:9901, then curl -s http://127.0.0.1:9901/stats"; fi
}

check_x509() {
  local csid selected entries id missing=()
  csid=$(kubectl get clusterspiffeid -o name 2>/dev/null | head -1)
  if [ -n "$csid" ]; then ok "a ClusterSPIFFEID is applied ($csid)"
  else bad "a ClusterSPIFFEID is applied" "write $WORK_FILE's spiffeIDTemplate, then: $APPLY"; fi
  selected=$( [ -n "$csid" ] && kubectl get "$csid" -o jsonpath='{.status.stats.podsSelected}' 2>/dev/null || true)
  if [ "${selected:-0}" -ge 3 ]; then ok "it selects the demo pods ($selected)"
  else bad "it selects the demo pods (customer-service, webapp, webapp-2)" \
    "status.stats.podsSelected is ${selected:-0}: the namespaceSelector must match namespace demo (kubectl get ${csid:-clusterspiffeid} -o yaml)"; fi
  entries=$(kubectl -n spire exec spire-server-0 -c spire-server -- /opt/spire/bin/spire-server entry show 2>/dev/null || true)
  for id in "$CUSTOMER_SERVICE_ID" "$WEBAPP_ID" "$WEBAPP_2_ID"; do grep -qE "^SPIFFE ID +: $id\$" <<<"$entries" || missing+=("$id"); done
  if [ ${#missing[@]} -eq 0 ]; then ok "SPIRE has an entry for customer-service, webapp and webapp-2"
  else bad "SPIRE has an entry for customer-service, webapp and webapp-2" \
    "no entry for ${missing[*]}: the template must yield spiffe://{{ .TrustDomain }}/ns/<namespace>/sa/<service account> (see 'spire-server entry show')"; fi
  if rolled_out customer-service; then ok "customer-service is ready (its Envoy holds its SVID)"
  else bad "customer-service is ready (its Envoy holds its SVID)" \
    "not yet: a pod is ready within about 30 s of its entry; else kubectl -n demo logs deploy/customer-service -c envoy"; fi
  if rolled_out webapp && rolled_out webapp-2; then ok "webapp and webapp-2 are ready (each holds its SVID)"
  else bad "webapp and webapp-2 are ready (each holds its SVID)" "not yet: wait half a minute; else kubectl -n demo logs deploy/webapp"; fi
  balance_step webapp
}

check_rbac() {
  local principals action view seen
  envoy_filter_steps envoy.filters.http.rbac
  principals=$(json rbac-principals <<<"$dump")
  action=$(json rbac-action <<<"$dump")
  if [ "$action" = none ]; then seen="there is no RBAC filter yet"; else seen="the policy allows [${principals}]"; fi
  if grep -qxF -- "$WEBAPP_ID" <<<"${principals// /$'\n'}"; then ok "its policy lets in webapp's SPIFFE ID"
  else bad "its policy lets in webapp's SPIFFE ID" "$seen: a principal authenticated: { principal_name: { exact: $WEBAPP_ID } }$(rolling_hint)"; fi
  if [ "$action" != none ]; then seen="the policy's action is $action"; fi
  step_if "$([ "$action" = ALLOW ]; echo $?)" "it is an ALLOW policy: whatever it does not name is denied" "$seen: rules.action: ALLOW$(rolling_hint)"
  balance_step webapp
  view=$(portal webapp-2)
  step_if "$([ "$(json result status <<<"$view")" = 403 ] && grep -q 'RBAC: access denied' <<<"$(json result body <<<"$view")"; echo $?)" \
    "webapp-2, with a valid SVID, is denied by the policy (403 RBAC: access denied)" \
    "webapp-2's page shows $(json outcome <<<"$view"): allow only webapp's SPIFFE ID; webapp-2 is $WEBAPP_2_ID"
  counters_step rbac.allowed rbac.denied
}

check_sds_agent() {
  local pod_json state args agent_dir sds_dir wl sds problems=() presented ready
  pod_json=$( [ -n "$cs_pod" ] && kubectl -n demo get pod "$cs_pod" -o json 2>/dev/null || true)
  state=$(json container sds-agent <<<"$pod_json")
  args=$(sed -n 's/^args=//p' <<<"$state")
  if [ -z "$state" ]; then
    bad "sds-agent runs as a sidecar in customer-service's pod" "pod ${cs_pod:-(none)} has no container sds-agent: fill in $WORK_FILE's TODOs$(rolling_hint)"
  elif grep -q '^state=running' <<<"$state"; then ok "sds-agent runs as a sidecar in customer-service's pod ($cs_pod)"
  else bad "sds-agent runs as a sidecar in customer-service's pod" \
    "its container is $(sed -n 's/^state=//p' <<<"$state"): kubectl -n demo describe pod $cs_pod; kubectl -n demo logs $cs_pod -c sds-agent"; fi
  # Its two sockets: the SPIRE agent's (read) and its own (served), each in the volume that holds it.
  agent_dir=$(sed -n 's/^mount=spire-agent-socket=//p' <<<"$state"); sds_dir=$(sed -n 's/^mount=sds-socket=//p' <<<"$state")
  wl=$(grep -o -- '--workload-api-socket=[^ ]*' <<<"$args" | cut -d= -f2- || true)
  sds=$(grep -o -- '--sds-socket=[^ ]*' <<<"$args" | cut -d= -f2- || true)
  [ -n "$agent_dir" ] || problems+=("mount volume spire-agent-socket (the SPIRE agent's socket folder)")
  [ -n "$sds_dir" ] || problems+=("mount volume sds-socket (the folder Envoy mounts at $SPIRE_AGENT_SOCKET_DIR)")
  [ -z "$agent_dir" ] || [ "$wl" = "unix:$agent_dir/agent.sock" ] || problems+=("pass --workload-api-socket=unix:$agent_dir/agent.sock, not '${wl}'")
  [ -z "$sds_dir" ] || [ "$sds" = "$sds_dir/agent.sock" ] || problems+=("pass --sds-socket=$sds_dir/agent.sock (Envoy opens agent.sock), not '${sds}'")
  if [ -n "$state" ] && [ ${#problems[@]} -eq 0 ]; then ok "it reads the Workload API and serves SDS in the folder Envoy mounts"
  else bad "it reads the Workload API and serves SDS in the folder Envoy mounts" \
    "$(if [ -z "$state" ]; then printf 'no sds-agent container yet: '; else printf '%s; ' "${problems[@]}"; fi)edit $WORK_FILE$(rolling_hint)"; fi
  if grep -q '^state=running' <<<"$state" && [ -n "$sds" ] && kubectl -n demo exec "$cs_pod" -c sds-agent -- \
      java -jar /opt/sds-agent/sds-agent.jar health "--sds-socket=$sds" >/dev/null 2>&1; then
    ok "it holds customer-service's SVID and serves SDS (grpc.health SERVING)"
  else bad "it holds customer-service's SVID and serves SDS (grpc.health SERVING)" \
    "its health check does not answer SERVING: kubectl -n demo logs ${cs_pod:-deploy/customer-service} -c sds-agent"; fi
  ready=$(admin /ready | tr -d '[:space:]'); presented=$(admin /certs | json cert-id)
  if [ "$ready" = LIVE ] && [ "$presented" = "$CUSTOMER_SERVICE_ID" ]; then ok "Envoy's listener is active with customer-service's SVID, from sds-agent"
  elif [ "$ready" = LIVE ]; then bad "Envoy's listener is active with customer-service's SVID, from sds-agent" \
    "Envoy presents ${presented:-no certificate}: kubectl -n demo logs $cs_pod -c sds-agent"
  else bad "Envoy's listener is active with customer-service's SVID, from sds-agent" \
    "Envoy is ${ready:-not answering}: it waits for SDS on $SPIRE_AGENT_SOCKET in volume sds-socket, where sds-agent must write its socket"; fi
  balance_step webapp
}

check_jwt() {
  local cluster fail_open view subject seen
  envoy_filter_steps envoy.filters.http.ext_authz
  cluster=$(json ext-authz-cluster <<<"$dump")
  fail_open=$(json ext-authz-fail-open <<<"$dump")
  seen="ext_authz asks cluster '${cluster}'"; [ "$fail_open" != none ] || seen="there is no ext_authz filter yet"
  step_if "$([ "$cluster" = spire_agent ]; echo $?)" "it asks sds-agent (cluster spire_agent, the socket that also serves SDS)" \
    "$seen: grpc_service: { envoy_grpc: { cluster_name: spire_agent } }$(rolling_hint)"
  [ "$fail_open" = none ] || seen="failure_mode_allow is true: when sds-agent is down every request gets in"
  step_if "$([ "$fail_open" = false ]; echo $?)" "no answer is never a yes (failure_mode_allow: false)" "$seen: failure_mode_allow: false$(rolling_hint)"
  view=$(portal webapp)
  subject=$(json result authorizedSubject <<<"$view")
  seen="no subject was verified"; [ -z "$subject" ] || seen="the verified subject is $subject"
  step_if "$([ "$subject" = "$WEBAPP_ID" ]; echo $?)" "webapp gets the balance, and customer-service saw its JWT-SVID's subject" \
    "webapp's page shows $(json outcome <<<"$view"), $seen: sds-agent's validation sets the subject; is ext_authz in place?"
  view=$(portal webapp-2)
  step_if "$([ "$(json result status <<<"$view")" = 403 ] && grep -q 'not allowed' <<<"$(json result body <<<"$view")"; echo $?)" \
    "webapp-2's token is valid, its subject not allowed (403)" \
    "webapp-2's page shows $(json outcome <<<"$view"): the allow-list (SDS_AGENT_JWT_ALLOWED_SUBJECTS) names only webapp"
  counters_step ext_authz.ok ext_authz.denied
}

check() {
  use_cluster
  trap close_forwards EXIT
  local deployed
  # Which lab runs: the scenario the pages name (the lab-scenario ConfigMap webapp reads).
  deployed=$(kubectl -n demo get configmap "$(kubectl -n demo get deployment webapp \
    -o jsonpath='{.spec.template.spec.containers[0].envFrom[0].configMapRef.name}' 2>/dev/null || true)" \
    -o jsonpath='{.data.LAB_SCENARIO}' 2>/dev/null || true)
  if [ "$deployed" != "$lab" ]; then
    bad "lab $lab is deployed" "the cluster runs ${deployed:-no lab}: scripts/lab.sh start $lab --k8s"
    printf '\n  0 of 1 steps done\n'
    return 1
  fi
  cs_pod=$(newest_pod)
  if [ -n "$cs_pod" ]; then forward admin_port "pod/$cs_pod" "$ENVOY_ADMIN_PORT"; fi
  forward webapp_port svc/webapp 8080
  forward webapp_2_port svc/webapp-2 8080
  "check_${lab//-/_}"
  printf '\n  %s of %s steps done\n' "$done_steps" "$all_steps"
  [ "$done_steps" = "$all_steps" ]
}

solve() {
  use_cluster
  if [ "$lab" = x509 ]; then
    step "apply the solution: $SOLUTION" "kubectl apply -f $SOLUTION"
    kubectl apply -f "$SOLUTION"
  else
    step "apply the solution: the scenario's own $SOLUTION" "kubectl apply -k $SOLUTION"
    kubectl apply -k "$SOLUTION"
    kubectl -n demo rollout status deployment/customer-service --timeout=300s
  fi
}

stop() {
  use_cluster
  step "remove lab $lab (the cluster stays: scripts/cluster.sh down)" "kubectl get ns"
  kubectl delete -k "$LAB_KUSTOMIZATION" --ignore-not-found
}

# check's answer is its exit code, not a failure of this script.
if [ "$command" = check ]; then trap - ERR; fi
"$command"
