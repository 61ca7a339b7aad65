#!/usr/bin/env bash
# Shared helpers for the peer provisioning scripts. Every peer is cached by name and version under
# $STACKYARD_CACHE (default ~/.cache/stackyard) so a warm machine skips the build.
set -euo pipefail
STACKYARD_CACHE="${STACKYARD_CACHE:-$HOME/.cache/stackyard}"
PEERS_DIR="$STACKYARD_CACHE/peers"
mkdir -p "$PEERS_DIR"
log() { printf '[peers] %s\n' "$*" >&2; }
# Builds run with the module proxy only; no VCS fallback, no checksum DB outside the proxy.
export GOFLAGS="${GOFLAGS:--mod=mod}"
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
# Fails with a clear message when Go is missing (the go-built peers need Go >= 1.25 and the proxy).
need_go() {
  command -v go >/dev/null 2>&1 || {
    log "cannot build $1: Go is not installed (go not found on PATH; needs Go >= 1.25 and the Go module proxy)"
    exit 1
  }
}
