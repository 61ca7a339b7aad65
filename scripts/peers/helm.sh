#!/usr/bin/env bash
# Builds helm v3 (Apache-2.0) from the Go module proxy and prints its path. The chart tests use it
# offline only: `helm lint` and `helm template` (no repositories, no dependency downloads).
# Usage: scripts/peers/helm.sh   (STACKYARD_HELM_VERSION overrides the version)
source "$(dirname "$0")/lib.sh"
VERSION="${STACKYARD_HELM_VERSION:-v3.22.0}"
OUT="$PEERS_DIR/helm-$VERSION/bin/helm"
if [[ -x "$OUT" ]]; then echo "$OUT"; exit 0; fi
if [[ "${STACKYARD_PEERS_NO_INSTALL:-}" == 1 ]]; then
  log "helm $VERSION is not provisioned ($OUT missing) and installing is off"
  exit 1
fi
need_go "helm $VERSION"
log "building helm $VERSION from the Go module proxy (cached at $OUT; a few minutes once)"
mkdir -p "$(dirname "$OUT")"
# helm's go.mod has no replace directives, so a plain `go install` builds it.
GOBIN="$(dirname "$OUT")" nice -n 19 go install -trimpath -ldflags "-s -w" "helm.sh/helm/v3/cmd/helm@$VERSION" >&2 || {
  log "cannot provision helm $VERSION: go install failed (see above)"; exit 1; }
log "built $OUT"
echo "$OUT"
