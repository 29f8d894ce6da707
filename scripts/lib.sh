# Shared helpers for the lab's scripts. Source it; it sources lab.properties.
# shellcheck shell=bash

LAB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../lab.properties
source "$LAB_ROOT/lab.properties"

# Heavy artifacts (Envoy, SPIRE binaries, build contexts) live outside the repo.
LAB_CACHE="${LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/spire-envoy-lab}"
# local: images built offline by scripts/toolchain.sh; official: the registry images named in lab.properties.
LAB_IMAGES="${LAB_IMAGES:-local}"

LAB_STEP="start-up"
LAB_FIX=""

step() {     # step "name" "what to do if it fails"
  LAB_STEP="$1"; LAB_FIX="${2:-}"
  printf '\n==> %s\n' "$LAB_STEP"
}
info() { printf '    %s\n' "$*"; }
die()  { printf '\nFAILED: %s\n  %s\n' "$LAB_STEP" "$*" >&2; exit 1; }

on_error() {
  local rc=$?
  printf '\nFAILED (exit %s) during: %s\n' "$rc" "$LAB_STEP" >&2
  [ -n "$LAB_FIX" ] && printf '  fix: %s\n' "$LAB_FIX" >&2
  exit "$rc"
}

image_for() {  # image_for SPIRE_SERVER -> the image the current LAB_IMAGES mode uses
  case "$LAB_IMAGES" in
    local) eval "printf '%s' \"\$LOCAL_$1_IMAGE\"" ;;
    official) eval "printf '%s' \"\$OFFICIAL_$1_IMAGE\"" ;;
    *) die "LAB_IMAGES must be 'local' or 'official', not '$LAB_IMAGES'" ;;
  esac
}

docker_answers() { docker info >/dev/null 2>&1; }

# Maven, quiet and plain: Debian's Maven 3.8 prints ANSI resets (ESC[0m) even in batch mode, so strip escapes from
# both streams; the exit status is Maven's.
mvnq() {
  mvn -B -q --no-transfer-progress -Dstyle.color=never "$@" \
    > >(sed -u 's/\x1b\[[0-9;]*[A-Za-z]//g') 2> >(sed -u 's/\x1b\[[0-9;]*[A-Za-z]//g' >&2)
}

# The fixed-name lab (prefix "lab", see StandardLab.java) that a demo or scripts/lab.sh left running, if any.
running_lab() { docker ps -a --format '{{.Names}}' --filter name=^lab- 2>/dev/null | sort | paste -sd ' ' -; }

# Runs the toolchain, then installs the lab's Java modules (all by default) for the demo and benchmark scripts.
prepare_java() {
  bash "$LAB_ROOT/scripts/toolchain.sh"
  step "build the lab's Java modules" "run 'mvn -B install -DskipTests -DskipITs' and read its error"
  (cd "$LAB_ROOT" && mvnq install -DskipTests -DskipITs "$@")
  export TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=localhost
}

# The lab's cluster with the webapp and sds-agent images (scripts/demo.sh --k8s, scripts/lab.sh ... --k8s): KUBECONFIG's
# cluster if set (load the images there yourself), else the local one (scripts/cluster.sh up imports them). Sets
# user_cluster. LAB_IMAGES_BUILT=1 skips the build when the images are current (the tests build them first).
k8s_cluster_with_images() {
  if [ "${LAB_IMAGES_BUILT:-}" != 1 ]; then
    prepare_java -pl webapp,sds-agent -am
    step "webapp and sds-agent images" "read the docker build output above"
    docker build -q -f docker/webapp/Dockerfile --build-arg "JRE_IMAGE=$(image_for JRE)" -t "$WEBAPP_IMAGE" webapp >/dev/null
    docker build -q -f docker/sds-agent/Dockerfile --build-arg "JRE_IMAGE=$(image_for JRE)" -t "$SDS_AGENT_IMAGE" sds-agent >/dev/null
  fi
  user_cluster="${KUBECONFIG:-}"
  if [ -n "$user_cluster" ]; then
    step "your cluster (KUBECONFIG=$KUBECONFIG)" "the lab's images must be loadable there, e.g. kind load docker-image $WEBAPP_IMAGE $SDS_AGENT_IMAGE"
    info "using $(kubectl config current-context); load the lab's images into it yourself (docs/00-setup.md)"
  else
    bash "$LAB_ROOT/scripts/cluster.sh" up
    eval "$(bash "$LAB_ROOT/scripts/cluster.sh" env)"
  fi
}
