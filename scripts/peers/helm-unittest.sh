#!/usr/bin/env bash
# Builds helm-unittest (MIT), the YAML-suite unit test runner for Helm charts, and prints its path.
# `helm plugin install` downloads from GitHub, so the binary is built from the Go module proxy and
# run directly on the chart directory (`helm-unittest charts/stackyard`).
# helm-unittest's go.mod replaces github.com/vmware-labs/yaml-jsonpath with its own fork; a
# dependency's replace lines are ignored by `go install`, so it is built inside a small tools
# module that repeats that replace.
# Usage: scripts/peers/helm-unittest.sh   (STACKYARD_HELM_UNITTEST_VERSION overrides the version)
source "$(dirname "$0")/lib.sh"
VERSION="${STACKYARD_HELM_UNITTEST_VERSION:-v1.1.2}"
OUT="$PEERS_DIR/helm-unittest-$VERSION/bin/helm-unittest"
if [[ -x "$OUT" ]]; then echo "$OUT"; exit 0; fi
if [[ "${STACKYARD_PEERS_NO_INSTALL:-}" == 1 ]]; then
  log "helm-unittest $VERSION is not provisioned ($OUT missing) and installing is off"
  exit 1
fi
need_go "helm-unittest $VERSION"
log "building helm-unittest $VERSION from the Go module proxy (cached at $OUT; a few minutes once)"
WORK="$PEERS_DIR/helm-unittest-$VERSION/build"
rm -rf "$WORK"; mkdir -p "$WORK" "$(dirname "$OUT")"; cd "$WORK"
go mod init local.stackyard/helm-unittest >/dev/null 2>&1
MAIN=github.com/helm-unittest/helm-unittest/cmd/helm-unittest
{ GOMOD="$(go mod download -json "github.com/helm-unittest/helm-unittest@$VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')" &&
  [[ -f "$GOMOD" ]] &&
  # Copy each replace that points at another module (not a local directory).
  awk '/^replace[ \t]*\($/ { block = 1; next } block && /^\)/ { block = 0; next }
       block || $1 == "replace" { line = $0; sub(/^[ \t]*(replace[ \t]+)?/, "", line); sub(/[ \t]*\/\/.*$/, "", line)
         split(line, side, /[ \t]*=>[ \t]*/); if (side[2] != "") print side[1] "|" side[2] }' "$GOMOD" |
  while IFS='|' read -r from to; do
    [[ "$to" == .* || "$to" == /* ]] && continue
    go mod edit -replace="${from// /@}=${to// /@}"
  done &&
  go get -tool "$MAIN@$VERSION" &&
  nice -n 19 go build -trimpath -ldflags "-s -w" -o "$OUT.tmp" "$MAIN"; } >&2 || {
  log "cannot provision helm-unittest $VERSION: go get / go build failed (see above)"; exit 1; }
mv "$OUT.tmp" "$OUT"
rm -rf "$WORK"
log "built $OUT"
echo "$OUT"
