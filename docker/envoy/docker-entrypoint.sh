#!/bin/sh
# The official envoyproxy/envoy image's contract: when the first argument is a flag, it is a flag for Envoy,
# so Kubernetes manifests can give only `args: ["-c", ...]` to either image. Anything else runs as given.
set -e
case "${1:-}" in
  -*) set -- envoy "$@" ;;
esac
exec "$@"
