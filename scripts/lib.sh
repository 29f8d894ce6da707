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
