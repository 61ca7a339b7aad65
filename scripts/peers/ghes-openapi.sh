#!/usr/bin/env bash
# Provisions GitHub's official OpenAPI description of GitHub Enterprise Server's REST API, which the
# OAuth provider fakes' responses are validated against (libs/shared/testing/src/oauth-provider.spec.ts),
# and prints its path. It comes from npm's @octokit/openapi (MIT, maintained by GitHub): the package
# is 385 MB unpacked, so it is never a dependency; `npm pack` fetches the tarball once and only the
# one GHES file is extracted into the cache, by package and GHES version.
# Usage: scripts/peers/ghes-openapi.sh [octokit-openapi-version] [ghes-version]
# STACKYARD_PEERS_NO_INSTALL=1 forbids downloading.
source "$(dirname "$0")/lib.sh"
PACKAGE_VERSION="${1:-${STACKYARD_OCTOKIT_OPENAPI_VERSION:-23.0.2}}"
GHES_VERSION="${2:-${STACKYARD_GHES_OPENAPI_VERSION:-3.19}}"
DIR="$STACKYARD_CACHE/specs/octokit-openapi-$PACKAGE_VERSION"
OUT="$DIR/ghes-$GHES_VERSION.json"
if [[ -s "$OUT" ]]; then echo "$OUT"; exit 0; fi
if [[ "${STACKYARD_PEERS_NO_INSTALL:-}" == 1 ]]; then
  log "$OUT is missing and downloading is off"
  exit 1
fi
command -v npm >/dev/null 2>&1 || { log "cannot fetch @octokit/openapi: npm is not on PATH"; exit 1; }
log "fetching @octokit/openapi@$PACKAGE_VERSION from npm and extracting generated/ghes-$GHES_VERSION.json (cached at $OUT)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack --silent "@octokit/openapi@$PACKAGE_VERSION" >/dev/null)
tar -xzf "$WORK"/octokit-openapi-*.tgz -C "$WORK" "package/generated/ghes-$GHES_VERSION.json" package/LICENSE package/package.json
mkdir -p "$DIR"
cp "$WORK/package/LICENSE" "$DIR/LICENSE"
cp "$WORK/package/package.json" "$DIR/package.json"
mv "$WORK/package/generated/ghes-$GHES_VERSION.json" "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
log "provisioned $(node -p "const s=require('$OUT'); s.info.title + ' ' + s.info.version + ', ' + Object.keys(s.paths).length + ' paths'" 2>/dev/null || echo "$OUT")"
echo "$OUT"
