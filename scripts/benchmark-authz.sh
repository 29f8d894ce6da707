#!/usr/bin/env bash
# ext_authz benchmarks.
# 1. sds-agent (validate mode) against a Go reference validator (benchmarks/go-authz-reference: go-spiffe v2's
#    jwtsvid.ParseAndValidate with a Workload API bundle source) in the same run: one local SPIRE server + agent feeds
#    both, one load generator drives both over TCP loopback; ratios for valid and bad-signature tokens at concurrency
#    16 and 64, and a valid client's throughput under a bad-signature flood.
# 2. (unless --reference-only) Check() vs a no-op authorizer in one JVM, and the whole request through Envoy with and
#    without JWT-SVID validation (Docker).
#   scripts/benchmark-authz.sh [--reference-only] [seconds per measurement=10] [requests through Envoy=3000]
#   SDS_AGENT_JAVA_OPTS adds JVM options to the sds-agent under test (e.g. a flight recording:
#   -XX:StartFlightRecording=settings=profile,filename=/tmp/sds-agent.jfr)
set -Eeuo pipefail
source "$(dirname "$0")/lib.sh"
trap on_error ERR
cd "$LAB_ROOT"
reference_only=false
if [ "${1:-}" = "--reference-only" ]; then reference_only=true; shift; fi
seconds="${1:-10}"

prepare_java

step "Go reference validator (built from the Go module proxy; cached in $LAB_CACHE)" \
     "check 'go version' (go.mod's version or newer) and that the module proxy answers"
ref_src="$LAB_ROOT/benchmarks/go-authz-reference"
ref_hash=$(cat "$ref_src/go.mod" "$ref_src/go.sum" "$ref_src"/*.go | sha256sum | cut -c1-16)
ref_bin="$LAB_CACHE/go-authz-reference-$ref_hash/go-authz-reference"
if [ -x "$ref_bin" ]; then
  info "cached: $ref_bin"
else
  mkdir -p "$(dirname "$ref_bin")"
  (cd "$ref_src" && GOFLAGS=-mod=readonly go build -trimpath -o "$ref_bin.tmp" .)
  mv "$ref_bin.tmp" "$ref_bin"
  info "built: $ref_bin"
fi

spire_dir="$LAB_CACHE/spire-$SPIRE_VERSION"
[ -x "$spire_dir/spire-server" ] || die "no SPIRE binaries in $spire_dir: run scripts/toolchain.sh"
work=$(mktemp -d /tmp/authz-bench.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local deadline=$((SECONDS + $1)) what="$2"; shift 2
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || die "$what not ready after ${deadline}s; logs in $work (kept: remove it yourself)"
    sleep 0.5
  done
}

step "a local SPIRE $SPIRE_VERSION (server + agent, join token, this uid registered as webapp)" \
     "read $work/*.log"
server_port=$(free_port)
mkdir -p "$work/server" "$work/agent"
cat > "$work/server.conf" <<CONF
server {
    bind_address = "127.0.0.1"
    bind_port = "$server_port"
    socket_path = "$work/server.sock"
    trust_domain = "$TRUST_DOMAIN"
    data_dir = "$work/server"
    log_level = "WARN"
    ca_key_type = "ec-p256"
    default_jwt_svid_ttl = "1h"
}
plugins {
    DataStore "sql" { plugin_data { database_type = "sqlite3"  connection_string = "$work/server/datastore.sqlite3" } }
    NodeAttestor "join_token" { plugin_data {} }
    KeyManager "memory" { plugin_data {} }
}
CONF
cat > "$work/agent.conf" <<CONF
agent {
    data_dir = "$work/agent"
    log_level = "WARN"
    server_address = "127.0.0.1"
    server_port = "$server_port"
    socket_path = "$work/agent.sock"
    trust_domain = "$TRUST_DOMAIN"
    insecure_bootstrap = true
}
plugins {
    NodeAttestor "join_token" { plugin_data {} }
    KeyManager "memory" { plugin_data {} }
    WorkloadAttestor "unix" { plugin_data {} }
}
CONF
"$spire_dir/spire-server" run -config "$work/server.conf" >"$work/server.log" 2>&1 & pids+=($!)
wait_for 60 "spire-server" "$spire_dir/spire-server" healthcheck -socketPath "$work/server.sock"
node="spiffe://$TRUST_DOMAIN/benchmark/node"
token=$("$spire_dir/spire-server" token generate -socketPath "$work/server.sock" -spiffeID "$node" | awk '{print $2}')
"$spire_dir/spire-server" entry create -socketPath "$work/server.sock" -parentID "$node" -spiffeID "$WEBAPP_ID" \
  -selector "unix:uid:$(id -u)" >/dev/null
"$spire_dir/spire-agent" run -config "$work/agent.conf" -joinToken "$token" >"$work/agent.log" 2>&1 & pids+=($!)
wait_for 90 "a JWT-SVID from the spire-agent" "$spire_dir/spire-agent" api fetch jwt -audience "$CUSTOMER_SERVICE_ID" \
  -socketPath "$work/agent.sock"
info "JWT-SVIDs for $WEBAPP_ID from unix:$work/agent.sock"

step "sds-agent (validate mode, TCP) and the Go reference, both on that agent's Workload API" "read $work/*.log"
java_port=$(free_port)
# shellcheck disable=SC2086 # word splitting of the options is intended
java -Xmx512m ${SDS_AGENT_JAVA_OPTS:-} -jar sds-agent/target/sds-agent.jar run --workload_api_socket="unix:$work/agent.sock" \
  --sds_socket="$work/sds/sds.sock" --tcp_address="127.0.0.1:$java_port" --authz_mode=validate \
  --jwt_audience="$CUSTOMER_SERVICE_ID" --jwt_allowed_subjects="$WEBAPP_ID" --log_level=warn >"$work/sds-agent.log" 2>&1 & pids+=($!)
wait_for 90 "sds-agent SERVING" java -jar sds-agent/target/sds-agent.jar health --sds_socket="$work/sds/sds.sock"
"$ref_bin" -listen 127.0.0.1:0 -workload-api "unix://$work/agent.sock" -audience "$CUSTOMER_SERVICE_ID" \
  -allowed "$WEBAPP_ID" >"$work/go-reference.log" 2>&1 & pids+=($!)
wait_for 60 "the Go reference" grep -q '^listening on' "$work/go-reference.log"
go_address=$(sed -n 's/^listening on //p' "$work/go-reference.log")
info "sds-agent on 127.0.0.1:$java_port, Go reference on $go_address"

step "sds-agent vs the Go reference (same SPIRE, same load generator; $seconds s per measurement)"
java -Xmx1g -cp sds-agent/target/sds-agent.jar:benchmarks/target/benchmarks.jar org.spiffelab.sds.bench.AuthzReferenceBenchmark "unix:$work/agent.sock" \
  "$CUSTOMER_SERVICE_ID" "127.0.0.1:$java_port" "$go_address" "$seconds"

if [ "$reference_only" = false ]; then
  step "ext_authz Check(): validate vs no-op (in one JVM)"
  java -cp sds-agent/target/sds-agent.jar:benchmarks/target/benchmarks.jar org.spiffelab.sds.bench.AuthzCheckBenchmark "$seconds"
  step "whole request through Envoy: x509 vs jwt (starts two stacks)"
  mvn -B -q --no-transfer-progress -pl scenario-tests exec:java -Dexec.classpathScope=test \
    -Dexec.mainClass=org.spiffelab.scenario.EnvoyAuthzCostBenchmark -Dexec.args="${2:-3000}"
fi
