#!/usr/bin/env bash
# A one-node Kubernetes cluster for the lab, built from package registries only and run as plain background
# processes (no systemd, no kubeadm, no registry pulls): etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kubelet and kube-proxy, on a second containerd with its own socket and root (Docker's is never
# touched), bridge CNI, CoreDNS and a default StorageClass; the lab's images are imported under the manifests' names.
#
#   scripts/cluster.sh up       # build what is missing (cached), start, wait for the node, import images
#   scripts/cluster.sh status   # what runs, and whether the API answers (exit code 0 only when it does)
#   scripts/cluster.sh down     # stop everything and put the host back as it was (iptables, sysctls, mounts, links)
#   scripts/cluster.sh env      # prints the exports that point kubectl at this cluster
#
# Binaries: $LAB_CACHE/k8s-<version>/ (Go build cache: Go's own). State, logs, pid files: $LAB_CLUSTER_STATE.
set -Eeuo pipefail
source "$(dirname "$0")/lib.sh"
trap on_error ERR

K8S_DIR="$LAB_CACHE/k8s-$KUBERNETES_VERSION"
BIN="$K8S_DIR/bin"
STATE="${LAB_CLUSTER_STATE:-$LAB_CACHE/cluster}"
PKI="$STATE/pki"
LOGS="$STATE/logs"
RUN="$STATE/run"
KUBECONFIG_FILE="$STATE/admin.kubeconfig"
CONTAINERD_SOCK="$RUN/containerd.sock"
NODE_NAME="lab-node"
# Neither overlaps Docker's defaults (172.17.0.0/16 and the 172.18+/16, 192.168.x pools it hands to networks).
POD_CIDR="10.244.0.0/16"
SERVICE_CIDR="10.96.0.0/16"
API_SERVICE_IP="10.96.0.1"
DNS_SERVICE_IP="10.96.0.10"
CLUSTER_DOMAIN="cluster.local"
CNI_BRIDGE="lab-cni0"

# ---------------------------------------------------------------------------------------------------
# Build: the server binaries and kubectl from the Go module proxy, CoreDNS, spire-controller-manager, a pause binary.
# ---------------------------------------------------------------------------------------------------
go_or_die() { command -v go >/dev/null || die "Go is not installed: install Go 1.26+ and retry"; }

build_kubernetes() {
  step "Kubernetes $KUBERNETES_VERSION binaries (Go module proxy; about 5-10 min on 2 cores when cold)" \
       "check 'go mod download k8s.io/kubernetes@v$KUBERNETES_VERSION' works and that ~6 GB of disk is free"
  local cmds=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl) c missing=()
  for c in "${cmds[@]}"; do [ -x "$BIN/$c" ] || missing+=("$c"); done
  if [ ${#missing[@]} -eq 0 ]; then info "cached: $BIN"; return; fi
  go_or_die
  # k8s.io/kubernetes replaces its staging modules (k8s.io/api, client-go, ...) with ./staging/...; a main module
  # of our own that requires it and points each staging module at its published v0.Y.Z lets 'go build' resolve it.
  local mod="$K8S_DIR/src" gomod staging minor
  mkdir -p "$mod" "$BIN"
  gomod=$(go mod download -json "k8s.io/kubernetes@v$KUBERNETES_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
  staging=$(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$gomod")
  [ -n "$staging" ] || die "no staging replaces found in $gomod: the builder needs updating for this Kubernetes version"
  minor="v0.${KUBERNETES_VERSION#*.}"
  {
    printf 'module lab.local/k8s-build\n\ngo 1.24.0\n\n'
    # The same default GODEBUG settings k8s.io/kubernetes builds with.
    sed -n 's/^godebug /godebug /p' "$gomod"
    printf '\nrequire k8s.io/kubernetes v%s\n\n' "$KUBERNETES_VERSION"
    for c in $staging; do printf 'replace %s => %s %s\n' "$c" "$c" "$minor"; done
  } >"$mod/go.mod"
  local pkgs=() ver="v$KUBERNETES_VERSION" ld=""
  for c in "${missing[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
  local maj=${KUBERNETES_VERSION%%.*} min=${KUBERNETES_VERSION#*.}; min=${min%%.*}
  for k in "gitVersion=$ver" "gitMajor=$maj" "gitMinor=$min" "gitTreeState=clean" "buildDate=1970-01-01T00:00:00Z"; do
    ld+=" -X k8s.io/component-base/version.$k -X k8s.io/client-go/pkg/version.$k"
  done
  info "go build ${missing[*]} (log: $K8S_DIR/build.log)"
  local tmp; tmp=$(mktemp -d "$K8S_DIR/.bin.XXXX")
  if ! (cd "$mod" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -tags providerless \
          -ldflags "-s -w$ld" -o "$tmp/" "${pkgs[@]}") >"$K8S_DIR/build.log" 2>&1; then
    rm -rf "$tmp"
    die "go build failed; last lines of $K8S_DIR/build.log:
$(tail -15 "$K8S_DIR/build.log")"
  fi
  "$tmp/kube-apiserver" --version | grep -q "$ver" || die "built kube-apiserver does not report $ver"
  mv "$tmp"/* "$BIN/" && rmdir "$tmp"
}

build_go_tool() {  # build_go_tool NAME MODULE@VERSION PACKAGE — any module, in a throw-away main module
  local name=$1 modver=$2 pkg=$3 dir="$K8S_DIR/tools/$1"
  if [ -x "$BIN/$name" ]; then info "cached: $BIN/$name"; return; fi
  go_or_die
  mkdir -p "$dir"
  # 'go install mod@v' needs the module's version list, which the proxy refuses for some (spire-controller-manager).
  [ -f "$dir/go.mod" ] || (cd "$dir" && go mod init "lab.local/$name" >/dev/null 2>&1)
  info "go build $pkg@${modver#*@} (log: $dir/build.log)"
  if ! (cd "$dir" && go get "$modver" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$BIN/$name.tmp" "$pkg") \
        >"$dir/build.log" 2>&1; then
    die "building $name failed; last lines of $dir/build.log:
$(tail -15 "$dir/build.log")"
  fi
  mv "$BIN/$name.tmp" "$BIN/$name"
}

build_all() {
  build_kubernetes
  step "CoreDNS $COREDNS_VERSION, spire-controller-manager $SPIRE_CONTROLLER_MANAGER_VERSION (Go module proxy)" \
       "check 'go mod download github.com/coredns/coredns@v$COREDNS_VERSION' and the spire-controller-manager module"
  build_go_tool coredns "github.com/coredns/coredns@v$COREDNS_VERSION" github.com/coredns/coredns
  build_go_tool spire-controller-manager \
    "github.com/spiffe/spire-controller-manager@v$SPIRE_CONTROLLER_MANAGER_VERSION" github.com/spiffe/spire-controller-manager/cmd
  # crictl: 'down' stops pod sandboxes through the CRI, so the CNI plugins remove their own links and rules.
  build_go_tool crictl "sigs.k8s.io/cri-tools@v$CRICTL_VERSION" sigs.k8s.io/cri-tools/cmd/crictl
  build_pause
}


# A pause binary for pod sandboxes: sleeps until told to stop and reaps orphans. Written here, built with Go.
build_pause() {
  if [ -x "$BIN/pause" ]; then info "cached: $BIN/pause"; return; fi
  local dir="$K8S_DIR/tools/pause"
  mkdir -p "$dir"
  cat >"$dir/main.go" <<'GO'
// pause holds a pod's namespaces: it waits for SIGINT/SIGTERM and reaps children it inherits as PID 1.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range sigs {
		if s == syscall.SIGCHLD {
			for {
				var ws syscall.WaitStatus
				if pid, _ := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil); pid <= 0 {
					break
				}
			}
			continue
		}
		os.Exit(0)
	}
}
GO
  printf 'module lab.local/pause\n\ngo 1.22\n' >"$dir/go.mod"
  (cd "$dir" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$BIN/pause" .)
}

# ---------------------------------------------------------------------------------------------------
# Host packages (Debian): etcd, containerd, runc, CNI plugins, conntrack, iptables, openssl.
# ---------------------------------------------------------------------------------------------------
host_packages() {
  step "host packages (Debian: etcd-server, containerd, runc, containernetworking-plugins, conntrack)" \
       "run 'apt-get install -y etcd-server containerd runc containernetworking-plugins conntrack iptables openssl' as root"
  local need=() p
  command -v etcd >/dev/null || need+=(etcd-server)
  command -v containerd >/dev/null || need+=(containerd)
  command -v runc >/dev/null || need+=(runc)
  [ -x /usr/lib/cni/bridge ] || need+=(containernetworking-plugins)
  command -v conntrack >/dev/null || need+=(conntrack)
  command -v iptables >/dev/null || need+=(iptables)
  command -v openssl >/dev/null || need+=(openssl)
  if [ ${#need[@]} -eq 0 ]; then info "present: etcd $(etcd --version 2>/dev/null | sed -n 's/^etcd Version: //p'), containerd, runc, CNI plugins"; return; fi
  [ "$(id -u)" = 0 ] || die "need root to install ${need[*]}"
  info "apt-get install ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # Debian's postinst may start its own etcd/containerd when an init system runs; this machine may have none.
  for p in etcd; do pgrep -x "$p" >/dev/null && [ ! -f "$RUN/$p.pid" ] && info "note: a system $p runs; the lab's uses its own ports" || true; done
}

# ---------------------------------------------------------------------------------------------------
# Certificates and kubeconfigs (openssl; one CA for the cluster, one key pair for service-account tokens).
# ---------------------------------------------------------------------------------------------------
node_ip() { ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p'; }

issue_cert() {  # issue_cert NAME CN [O] [SANS]
  local name=$1 cn=$2 o=${3:-} sans=${4:-}
  [ -f "$PKI/$name.crt" ] && return
  local subj="/CN=$cn"; [ -n "$o" ] && subj="/O=$o$subj"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/$name.key" 2>/dev/null
  chmod 600 "$PKI/$name.key"
  {
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n'
    if [ -n "$sans" ]; then printf 'extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=%s\n' "$sans"
    else printf 'extendedKeyUsage=clientAuth\n'; fi
  } >"$PKI/$name.ext"
  openssl req -new -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial -days 365 \
    -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}

kubeconfig() {  # kubeconfig FILE CERT-NAME
  write_config "$1" <<KC
apiVersion: v1
kind: Config
clusters:
- name: lab
  cluster:
    certificate-authority: $PKI/ca.crt
    server: https://127.0.0.1:$KUBE_API_PORT
users:
- name: $2
  user:
    client-certificate: $PKI/$2.crt
    client-key: $PKI/$2.key
contexts:
- name: lab
  context: {cluster: lab, user: $2}
current-context: lab
KC
  chmod 600 "$1"
}

make_pki() {
  step "certificates and kubeconfigs (openssl)" "remove $PKI and rerun"
  mkdir -p "$PKI" && chmod 700 "$PKI"
  if [ ! -f "$PKI/ca.crt" ]; then
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/ca.key" 2>/dev/null
    openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=spire-envoy-lab-cluster-ca" -days 365 \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$PKI/ca.crt" 2>/dev/null
  fi
  [ -f "$PKI/sa.key" ] || { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI/sa.key" 2>/dev/null; openssl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null; }
  local ip; ip=$(node_ip)
  issue_cert apiserver kube-apiserver "" \
    "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$CLUSTER_DOMAIN,DNS:localhost,IP:127.0.0.1,IP:$API_SERVICE_IP,IP:$ip"
  issue_cert admin kubernetes-admin system:masters
  issue_cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
  issue_cert controller-manager system:kube-controller-manager
  issue_cert scheduler system:kube-scheduler
  issue_cert kubelet-client "system:node:$NODE_NAME" system:nodes
  issue_cert kube-proxy system:kube-proxy
  issue_cert kubelet-serving "$NODE_NAME" "" "DNS:$NODE_NAME,DNS:localhost,IP:127.0.0.1,IP:$ip"
  kubeconfig "$KUBECONFIG_FILE" admin
  kubeconfig "$STATE/controller-manager.kubeconfig" controller-manager
  kubeconfig "$STATE/scheduler.kubeconfig" scheduler
  kubeconfig "$STATE/kubelet.kubeconfig" kubelet-client
  kubeconfig "$STATE/kube-proxy.kubeconfig" kube-proxy
  info "CA $PKI/ca.crt; admin kubeconfig $KUBECONFIG_FILE"
}

# ---------------------------------------------------------------------------------------------------
# Processes: each runs in the background with a pid file and a log; start is a no-op when it already runs.
# ---------------------------------------------------------------------------------------------------
running() { local f="$RUN/$1.pid"; [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; }

# write_config FILE < content — replaces FILE only when the content differs: 'up' on a running cluster must not touch
# the files components watch (kube-proxy exits when its config file is written, even with the same bytes).
write_config() {
  local tmp; tmp=$(mktemp "$1.XXXX")
  cat >"$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv -f "$tmp" "$1"; fi
}

detach() {  # detach LOG COMMAND... — runs COMMAND in the background in its own session, pid in $!
  local log=$1; shift
  # setsid: a Ctrl-C in this shell does not stop the cluster. Only stdin/out/err pass: a daemon that kept the caller's
  # other open files would hold them for the cluster's life (a `flock` lock the caller took, a CI log pipe).
  (
    for fd in /proc/$BASHPID/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done
    exec setsid "$@" >>"$log" 2>&1 </dev/null
  ) &
}

start_bg() {  # start_bg NAME COMMAND...
  local name=$1; shift
  if running "$name"; then info "$name runs (pid $(cat "$RUN/$name.pid"))"; return; fi
  info "starting $name (log: $LOGS/$name.log)"
  detach "$LOGS/$name.log" "$@"
  echo $! >"$RUN/$name.pid"
}

wait_for() {  # wait_for SECONDS WHAT COMMAND... — polls a condition once a second
  local secs=$1 what=$2; shift 2
  local i
  for ((i = 0; i < secs; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  return 1
}

component_failed() {  # component_failed NAME — the last lines of its log, for die()
  printf '%s did not become ready; last lines of %s:\n%s' "$1" "$LOGS/$1.log" "$(tail -12 "$LOGS/$1.log" 2>/dev/null)"
}

kc() { "$BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE" "$@"; }

# Host settings the cluster changes; saved once before the first change, restored by 'down'.
SYSCTLS=(net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables
  net.ipv4.conf.all.route_localnet vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops
  kernel.keys.root_maxkeys kernel.keys.root_maxbytes net.netfilter.nf_conntrack_max
  net.netfilter.nf_conntrack_tcp_timeout_established net.netfilter.nf_conntrack_tcp_timeout_close_wait)

save_host_state() {
  [ -f "$STATE/host-sysctls" ] && return
  local k v
  for k in "${SYSCTLS[@]}"; do v=$(sysctl -n "$k" 2>/dev/null) && printf '%s=%s\n' "$k" "$v"; done >"$STATE/host-sysctls"
  # Folders on the host the manifests' hostPath volumes create; removed by 'down' only if we made them.
  [ -e /run/spire ] || touch "$STATE/created-run-spire"
}

start_containerd() {
  step "containerd (the cluster's own: socket $CONTAINERD_SOCK; Docker's is not touched)" \
       "read $LOGS/containerd.log; 'runc --debug' shows sandbox failures"
  # The image store lives with the cluster and goes with 'down' (re-importing costs ~30 s on 'up'): a store kept
  # across clusters drifted from its snapshot metadata and failed imports with "parent snapshot ... does not exist".
  if [ -d "$LAB_CACHE/k8s-containerd" ]; then
    info "removing the image store earlier versions kept in $LAB_CACHE/k8s-containerd"
    rm -rf "$LAB_CACHE/k8s-containerd" "$LAB_CACHE/k8s-containerd-imported"
  fi
  mkdir -p "$STATE/containerd/state" "$STATE/containerd/root" "$STATE/cni/net.d"
  write_config "$STATE/containerd/config.toml" <<TOML
version = 2
# Everything below lives under the cluster's state folder and goes with 'down'.
root = "$STATE/containerd/root"
state = "$STATE/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "$CONTAINERD_SOCK"
[ttrpc]
  address = "$RUN/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$STATE/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.10"
  # Root here lacks CAP_SYS_RESOURCE: without this every sandbox fails ("can't get final child's PID from pipe").
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$STATE/cni/net.d"
TOML
  write_config "$STATE/cni/net.d/10-lab.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "lab",
  "plugins": [
    {"type": "bridge", "bridge": "$CNI_BRIDGE", "isGateway": true, "ipMasq": true, "hairpinMode": true,
     "ipam": {"type": "host-local", "dataDir": "$STATE/cni/ipam", "ranges": [[{"subnet": "${POD_CIDR%.0.0/16}.0.0/24"}]],
              "routes": [{"dst": "0.0.0.0/0"}]}},
    {"type": "portmap", "capabilities": {"portMappings": true}},
    {"type": "firewall", "backend": "iptables"}
  ]
}
JSON
  start_bg containerd containerd --config "$STATE/containerd/config.toml"
  wait_for 30 containerd ctr --address "$CONTAINERD_SOCK" version || die "$(component_failed containerd)"
}

start_control_plane() {
  step "etcd, kube-apiserver, kube-controller-manager, kube-scheduler" "read the component's log under $LOGS"
  mkdir -p "$STATE/etcd"
  start_bg etcd etcd --name lab --data-dir "$STATE/etcd/data" \
    --listen-client-urls http://127.0.0.1:2479 --advertise-client-urls http://127.0.0.1:2479 \
    --listen-peer-urls http://127.0.0.1:2480 --initial-advertise-peer-urls http://127.0.0.1:2480 \
    --initial-cluster lab=http://127.0.0.1:2480
  wait_for 30 etcd curl -fsS http://127.0.0.1:2479/health || die "$(component_failed etcd)"
  local ip; ip=$(node_ip)
  start_bg kube-apiserver "$BIN/kube-apiserver" --etcd-servers=http://127.0.0.1:2479 \
    --bind-address=0.0.0.0 --secure-port="$KUBE_API_PORT" --advertise-address="$ip" \
    --service-cluster-ip-range="$SERVICE_CIDR" --allow-privileged=true --kubelet-preferred-address-types=InternalIP,Hostname \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    --client-ca-file="$PKI/ca.crt" --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
    --service-account-issuer="https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --profiling=false
  wait_for 90 kube-apiserver kc get --raw /readyz || die "$(component_failed kube-apiserver)"
  start_bg kube-controller-manager "$BIN/kube-controller-manager" --kubeconfig="$STATE/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$STATE/controller-manager.kubeconfig" --authorization-kubeconfig="$STATE/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" --cluster-cidr="$POD_CIDR" --allocate-node-cidrs=false --profiling=false
  start_bg kube-scheduler "$BIN/kube-scheduler" --kubeconfig="$STATE/scheduler.kubeconfig" \
    --authentication-kubeconfig="$STATE/scheduler.kubeconfig" --authorization-kubeconfig="$STATE/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --leader-elect=false --profiling=false
}

start_node() {
  step "kubelet and kube-proxy (node $NODE_NAME)" "read $LOGS/kubelet.log and $LOGS/kube-proxy.log"
  save_host_state
  # What a node needs and kubelet does not set itself; 'down' restores the saved values.
  sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1 2>/dev/null \
    || die "cannot set net.ipv4.ip_forward / bridge-nf-call-iptables (is br_netfilter available?)"
  local ip; ip=$(node_ip)
  mkdir -p "$STATE/kubelet"
  write_config "$STATE/kubelet-config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: "$PKI/ca.crt"}
authorization: {mode: Webhook}
tlsCertFile: "$PKI/kubelet-serving.crt"
tlsPrivateKeyFile: "$PKI/kubelet-serving.key"
clusterDomain: "$CLUSTER_DOMAIN"
clusterDNS: ["$DNS_SERVICE_IP"]
containerRuntimeEndpoint: "unix://$CONTAINERD_SOCK"
# cgroup v1 and no systemd on these machines.
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
resolvConf: /etc/resolv.conf
# A lab node: evict only when the disk is really full, keep images.
evictionHard: {"nodefs.available": "2%", "imagefs.available": "2%", "memory.available": "200Mi"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
YAML
  start_bg kubelet "$BIN/kubelet" --config="$STATE/kubelet-config.yaml" --kubeconfig="$STATE/kubelet.kubeconfig" \
    --root-dir="$STATE/kubelet" --hostname-override="$NODE_NAME" --node-ip="$ip" --v=1
  write_config "$STATE/kube-proxy-config.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: "$STATE/kube-proxy.kubeconfig"}
mode: iptables
clusterCIDR: "$POD_CIDR"
hostnameOverride: "$NODE_NAME"
# Leave the host's conntrack table size and timeouts alone.
conntrack: {maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
YAML
  start_bg kube-proxy "$BIN/kube-proxy" --config="$STATE/kube-proxy-config.yaml"
  info "waiting for node $NODE_NAME to be Ready"
  wait_for 120 node kc wait --for=condition=Ready "node/$NODE_NAME" --timeout=1s || die "$(component_failed kubelet)"
}

# ---------------------------------------------------------------------------------------------------
# Images: the cluster's own (pause, CoreDNS, spire-controller-manager) built FROM scratch with Docker, and the lab's
# images copied from Docker's store into the cluster's containerd under the names the manifests use.
# ---------------------------------------------------------------------------------------------------
ctr_k8s() { ctr --address "$CONTAINERD_SOCK" -n k8s.io "$@"; }

normalize() {  # the name containerd stores for an image reference (docker.io/library/nginx:1.22.1, ...)
  local ref=$1 first=${1%%/*}
  if [[ $ref != */* ]]; then printf 'docker.io/library/%s' "$ref"
  elif [[ $first == *.* || $first == *:* || $first == localhost ]]; then printf '%s' "$ref"
  else printf 'docker.io/%s' "$ref"; fi
}

scratch_image() {  # scratch_image IMAGE BINARY ENTRYPOINT-JSON — a one-binary image, rebuilt when the binary changes
  local image=$1 binary=$2 entry=$3 sum ctx
  sum=$( (sha256sum "$BIN/$binary"; printf '%s' "$entry" tmp-65532) | sha256sum | cut -c1-16)
  [ "$(docker image inspect -f '{{index .Config.Labels "org.spiffelab.inputs"}}' "$image" 2>/dev/null)" = "$sum" ] && return
  ctx=$(mktemp -d "$K8S_DIR/.ctx.XXXX")
  ln -f "$BIN/$binary" "$ctx/$binary" 2>/dev/null || cp "$BIN/$binary" "$ctx/$binary"
  # /tmp as in the distroless images upstream ships (spire-controller-manager keeps its webhook key pair there).
  mkdir -m 1777 "$ctx/tmp" && chmod 1777 "$ctx/tmp"
  printf 'FROM scratch\nCOPY %s /%s\nCOPY --chown=65532:65532 tmp /tmp\nUSER 65532:65532\nENTRYPOINT %s\n' "$binary" "$binary" "$entry" >"$ctx/Dockerfile"
  DOCKER_BUILDKIT=0 docker build -q --label "org.spiffelab.inputs=$sum" -t "$image" "$ctx" >/dev/null
  rm -rf "$ctx"
  info "built $image"
}

# "docker image -> name in the manifests" for every image the cluster runs.
image_map() {
  printf '%s %s\n' "spire-envoy-lab/pause:dev" "registry.k8s.io/pause:3.10" \
    "spire-envoy-lab/coredns:dev" "spire-envoy-lab/coredns:dev" \
    "$LOCAL_SPIRE_CONTROLLER_MANAGER_IMAGE" "$OFFICIAL_SPIRE_CONTROLLER_MANAGER_IMAGE" \
    "$TOOLBOX_IMAGE" "$TOOLBOX_IMAGE"
  if [ "$LAB_IMAGES" = local ]; then
    printf '%s %s\n' "$LOCAL_SPIRE_SERVER_IMAGE" "$OFFICIAL_SPIRE_SERVER_IMAGE" \
      "$LOCAL_SPIRE_AGENT_IMAGE" "$OFFICIAL_SPIRE_AGENT_IMAGE" \
      "$LOCAL_ENVOY_IMAGE" "$OFFICIAL_ENVOY_IMAGE" "$LOCAL_NGINX_IMAGE" "$OFFICIAL_NGINX_IMAGE"
  fi
  # Built by Maven (the harness or the demo); imported when present.
  printf '%s %s\n' "$WEBAPP_IMAGE" "$WEBAPP_IMAGE" "$SDS_AGENT_IMAGE" "$SDS_AGENT_IMAGE"
}

load_images() {
  step "images into the cluster (docker save | ctr import, tagged as the manifests name them)" \
       "run scripts/toolchain.sh so the local images exist; 'docker images' lists them"
  docker_answers || die "Docker does not answer: the lab's images are built with Docker (scripts/toolchain.sh)"
  scratch_image spire-envoy-lab/pause:dev pause '["/pause"]'
  scratch_image spire-envoy-lab/coredns:dev coredns '["/coredns"]'
  scratch_image "$LOCAL_SPIRE_CONTROLLER_MANAGER_IMAGE" spire-controller-manager '["/spire-controller-manager"]'
  local marks="$STATE/containerd/imported" have src dst id todo=() tags=()
  mkdir -p "$marks"
  have=$(ctr_k8s images ls -q)
  while read -r src dst; do
    if ! id=$(docker image inspect -f '{{.Id}}' "$src" 2>/dev/null); then
      info "not in Docker (yet): $src"; continue
    fi
    local mark="$marks/$(normalize "$dst" | tr '/:' '__')"
    if grep -qx "$(normalize "$dst")" <<<"$have" && [ "$(cat "$mark" 2>/dev/null)" = "$id" ]; then continue; fi
    todo+=("$src"); tags+=("$src $dst $id $mark")
  done < <(image_map)
  if [ ${#todo[@]} -eq 0 ]; then info "all images current"; return; fi
  info "importing ${todo[*]}"
  docker save "${todo[@]}" | ctr_k8s images import - >/dev/null
  local t
  for t in "${tags[@]}"; do
    read -r src dst id mark <<<"$t"
    [ "$(normalize "$src")" = "$(normalize "$dst")" ] || ctr_k8s images tag --force "$(normalize "$src")" "$(normalize "$dst")" >/dev/null
    printf '%s' "$id" >"$mark"
  done
}

# ---------------------------------------------------------------------------------------------------
# Add-ons and the StorageClass's provisioner.
# ---------------------------------------------------------------------------------------------------
provisioner_loop() {  # for each claim of class lab-local: a local volume; released volumes are deleted
  local ns name uid size phase path
  while running kube-apiserver; do
    while read -r ns name uid size; do
      [ -n "$uid" ] || continue
      path="$STATE/volumes/pvc-$uid"
      # A fresh folder anyone may write, as kind's local-path provisioner makes; kubelet applies the pod's fsGroup.
      mkdir -p "$path" && chmod 0777 "$path"
      kc apply -f - >/dev/null <<YAML || true
apiVersion: v1
kind: PersistentVolume
metadata:
  name: pvc-$uid
  labels: {spiffelab.org/provisioned: "true"}
  annotations: {pv.kubernetes.io/provisioned-by: spiffelab.org/lab-local}
spec:
  capacity: {storage: $size}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Delete
  storageClassName: lab-local
  claimRef: {namespace: $ns, name: $name, uid: $uid}
  local: {path: $path}
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [$NODE_NAME]}]
YAML
    done < <(kc get pvc -A -o jsonpath='{range .items[?(@.spec.storageClassName=="lab-local")]}{.status.phase}{" "}{.metadata.namespace}{" "}{.metadata.name}{" "}{.metadata.uid}{" "}{.spec.resources.requests.storage}{"\n"}{end}' 2>/dev/null \
               | awk '$1 == "Pending" {print $2, $3, $4, $5}')
    while read -r name phase; do
      case "$phase" in Released|Failed)
        kc delete pv "$name" --wait=false >/dev/null 2>&1 || true
        rm -rf "${STATE:?}/volumes/${name:?}" ;;
      esac
    done < <(kc get pv -l spiffelab.org/provisioned=true -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.status.phase}{"\n"}{end}' 2>/dev/null)
    sleep 2
  done
}

start_addons() {
  step "add-ons: CoreDNS, default StorageClass and its provisioner" "read 'kubectl -n kube-system describe pod -l k8s-app=kube-dns'"
  mkdir -p "$STATE/volumes"
  if ! running provisioner; then
    info "starting provisioner (log: $LOGS/provisioner.log)"
    detach "$LOGS/provisioner.log" bash "$0" _provisioner
    echo $! >"$RUN/provisioner.pid"
  fi
  kc apply -k "$LAB_ROOT/k8s/cluster" >/dev/null
  kc -n kube-system rollout status deployment/coredns --timeout=180s >/dev/null \
    || die "CoreDNS did not become ready; $(kc -n kube-system get pods -o wide 2>&1 | tail -3)"
  info "CoreDNS ready at $DNS_SERVICE_IP; default StorageClass lab-local"
}

# ---------------------------------------------------------------------------------------------------
# down: everything 'up' started or changed, in reverse, without touching Docker.
# ---------------------------------------------------------------------------------------------------
stop_pid() {  # stop_pid NAME — TERM, then KILL after 10 s
  local f="$RUN/$1.pid" pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    info "stopping $1 (pid $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

delete_chains() {  # delete_chains iptables|ip6tables — every KUBE-*/CNI-* chain and every rule that jumps to one
  local cmd=$1 t line chain
  command -v "$cmd" >/dev/null || return 0
  for t in filter nat mangle raw; do
    "$cmd-save" -t "$t" >/dev/null 2>&1 || continue
    while IFS= read -r line; do
      eval "$cmd -w -t $t -D ${line#-A }" 2>/dev/null || true
    done < <("$cmd-save" -t "$t" | grep -E '^-A ' | grep -vE '^-A (KUBE-|CNI-)' | grep -E -- ' -[jg] (KUBE-|CNI-)')
    for chain in $("$cmd-save" -t "$t" | sed -n 's/^:\(\(KUBE\|CNI\)-[^ ]*\) .*/\1/p'); do "$cmd" -w -t "$t" -F "$chain" 2>/dev/null || true; done
    for chain in $("$cmd-save" -t "$t" | sed -n 's/^:\(\(KUBE\|CNI\)-[^ ]*\) .*/\1/p'); do "$cmd" -w -t "$t" -X "$chain" 2>/dev/null || true; done
  done
}

our_mounts() {  # mount points under our state folder and the pods' network namespaces, deepest first
  awk '{print $5}' /proc/self/mountinfo | grep -E "^($STATE/|/run/netns/cni-|/var/run/netns/cni-|/run/containerd/io.containerd.grpc.v1.cri/sandboxes/)" \
    | awk '{print length($0), $0}' | sort -rn | cut -d' ' -f2- || true
}

cluster_down() {
  step "stop the cluster" "rerun 'scripts/cluster.sh down'; 'scripts/cluster.sh status' lists what is left"
  stop_pid provisioner
  stop_pid kube-scheduler
  stop_pid kube-controller-manager
  stop_pid kubelet
  if running containerd && [ -x "$BIN/crictl" ]; then
    info "stopping pod sandboxes through the CRI (CNI removes links and rules)"
    local crictl=("$BIN/crictl" --runtime-endpoint "unix://$CONTAINERD_SOCK" --timeout 30s)
    "${crictl[@]}" stopp $("${crictl[@]}" pods -q 2>/dev/null) >/dev/null 2>&1 || true
    "${crictl[@]}" rmp -af >/dev/null 2>&1 || true
  fi
  stop_pid kube-proxy
  stop_pid kube-apiserver
  stop_pid etcd
  if running containerd; then
    local id
    for id in $(ctr_k8s tasks ls -q 2>/dev/null); do ctr_k8s tasks kill -s KILL "$id" >/dev/null 2>&1 || true; done
  fi
  stop_pid containerd
  # Shims outlive containerd by design; ours carry our socket's address on their command line.
  local pid
  for pid in $(pgrep -f "containerd-shim.*-address $CONTAINERD_SOCK" || true); do kill -KILL "$pid" 2>/dev/null || true; done

  step "put the host back" "see what is left with 'scripts/cluster.sh status'"
  # Best effort from here: a link or chain already gone is fine; carry on and report what is left at the end.
  trap - ERR
  set +e
  [ -x "$BIN/kube-proxy" ] && "$BIN/kube-proxy" --cleanup >/dev/null 2>&1 || true
  delete_chains iptables
  delete_chains ip6tables
  local ns link m
  for ns in $(ip netns list 2>/dev/null | awk '$1 ~ /^cni-/ {print $1}'); do ip netns delete "$ns" 2>/dev/null || true; done
  for link in $(ip -o link show master "$CNI_BRIDGE" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do ip link delete "$link" 2>/dev/null || true; done
  ip link show "$CNI_BRIDGE" >/dev/null 2>&1 && ip link delete "$CNI_BRIDGE"
  for m in $(our_mounts); do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
  # cgroups kubelet made (cgroup v1: one tree per controller), leaves first.
  find /sys/fs/cgroup/*/kubepods* -depth -type d -exec rmdir {} + 2>/dev/null || true
  if [ -f "$STATE/host-sysctls" ]; then
    info "restoring sysctls: $(tr '\n' ' ' <"$STATE/host-sysctls")"
    while IFS== read -r k v; do sysctl -qw "$k=$v" 2>/dev/null || true; done <"$STATE/host-sysctls"
    rm -f "$STATE/host-sysctls"
  fi
  [ -f "$STATE/created-run-spire" ] && rm -rf /run/spire "$STATE/created-run-spire"
  rm -rf /run/containerd/runc/k8s.io
  # The cluster goes with it (etcd, kubelet, volumes, certificates, its image store); binaries stay cached.
  [ -d "$LOGS" ] && { rm -rf "$STATE/logs.previous"; mv "$LOGS" "$STATE/logs.previous"; }
  rm -rf "${STATE:?}/etcd" "$STATE/kubelet" "$STATE/volumes" "$STATE/cni" "$STATE/containerd" "$PKI" "$RUN" "$STATE"/*.kubeconfig "$STATE"/*.yaml
  info "cluster down; logs of this run: $STATE/logs.previous"
  cluster_status | tail -1
}

cluster_status() {
  local c any=0
  for c in containerd etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy provisioner; do
    if running "$c"; then printf '  %-24s running (pid %s)\n' "$c" "$(cat "$RUN/$c.pid")"; any=1
    else printf '  %-24s stopped\n' "$c"; fi
  done
  if [ "$any" = 1 ] && kc get --raw /readyz >/dev/null 2>&1; then
    kc get nodes -o wide; kc get pods -A
  fi
  printf 'left on the host: %s KUBE-/CNI- iptables chains, %s mounts, bridge %s: %s\n' \
    "$( (iptables-save 2>/dev/null; ip6tables-save 2>/dev/null) | grep -cE '^:(KUBE|CNI)-' || true)" \
    "$(our_mounts | grep -c . || true)" "$CNI_BRIDGE" "$(ip link show "$CNI_BRIDGE" >/dev/null 2>&1 && echo present || echo absent)"
}

cluster_up() {
  local started=$SECONDS
  [ "$(id -u)" = 0 ] || die "the local cluster runs kubelet and containerd: run as root"
  [ "$(uname -m)" = x86_64 ] || info "note: only tried on x86_64"
  mkdir -p "$STATE" "$LOGS" "$RUN"
  host_packages
  build_all
  make_pki
  start_containerd
  start_control_plane
  start_node
  load_images
  start_addons
  printf '\n==> cluster up in %ss: export KUBECONFIG=%s PATH=%s:$PATH\n' "$((SECONDS - started))" "$KUBECONFIG_FILE" "$BIN"
}

# One up, down or images at a time (CI starts the cluster in the background while the tests may ask for it too).
exclusive() {
  mkdir -p "$STATE"
  exec 9>"$STATE/.lock"
  flock -n 9 || { info "waiting for another scripts/cluster.sh up/down/images to finish"; flock 9; }
}

case "${1:-}" in
  up) exclusive; cluster_up ;;
  down) exclusive; cluster_down ;;
  status) cluster_status; running kube-apiserver && kc get --raw /readyz >/dev/null 2>&1 ;;  # exit 0: up and answering
  images) exclusive; mkdir -p "$LOGS" "$RUN"; running containerd || die "the cluster is not up: scripts/cluster.sh up"; load_images ;;
  env) printf 'export KUBECONFIG=%s\nexport PATH=%s:$PATH\n' "$KUBECONFIG_FILE" "$BIN" ;;
  build) build_all ;;
  _provisioner) provisioner_loop ;;
  *) printf 'usage: %s up|down|status|images|env\n' "$0" >&2; exit 2 ;;
esac
