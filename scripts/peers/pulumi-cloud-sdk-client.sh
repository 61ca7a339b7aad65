#!/usr/bin/env bash
# Builds tools/cloud-sdk-client — a small program that calls Stackyard's REST API through Pulumi's own
# generated Go client, github.com/pulumi/pulumi-cloud-sdk/go (Apache-2.0), so its answers are decoded
# by Pulumi's types — and prints its path. Beside it, pulumi-cloud-sdk-operations.json lists the SDK's
# operations (operationId, method, path), read from its source by tools/cloud-sdk-client/cmd/list-operations. The SDK version is pinned in tools/cloud-sdk-client/go.mod
# and go.sum (from the Go module proxy); the binary is cached by that version and a hash of the source.
# Usage: scripts/peers/pulumi-cloud-sdk-client.sh
source "$(dirname "$0")/lib.sh"
SRC="$(cd "$(dirname "$0")/../../tools/cloud-sdk-client" && pwd)"
VERSION="$(sed -n 's#^require github.com/pulumi/pulumi-cloud-sdk/go \(v[^ ]*\)$#\1#p' "$SRC/go.mod")"
[[ -n "$VERSION" ]] || { log "cannot read the pulumi-cloud-sdk version from $SRC/go.mod"; exit 1; }
HASH="$(cat "$SRC/go.mod" "$SRC/go.sum" "$SRC"/*.go "$SRC"/cmd/*/*.go | sha256sum | cut -c1-12)"
OUT="$PEERS_DIR/pulumi-cloud-sdk-client-$VERSION-$HASH/bin/cloud-sdk-client"
OPERATIONS="$(dirname "$OUT")/pulumi-cloud-sdk-operations.json"
if [[ -x "$OUT" && -s "$OPERATIONS" ]]; then echo "$OUT"; exit 0; fi
if [[ "${STACKYARD_PEERS_NO_INSTALL:-}" == 1 ]]; then
  log "$OUT is missing and building is off"
  exit 1
fi
need_go "cloud-sdk-client (pulumi-cloud-sdk $VERSION)"
log "building cloud-sdk-client with pulumi-cloud-sdk/go $VERSION from the Go module proxy (cached at $OUT)"
mkdir -p "$(dirname "$OUT")"
# go.sum is the pin: nothing may change it during the build.
(
  cd "$SRC"
  export GOFLAGS=-mod=readonly
  go build -trimpath -ldflags "-s -w" -o "$OUT.tmp" .
  go run ./cmd/list-operations "$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-cloud-sdk/go)/apiclient" >"$OPERATIONS.tmp"
) >&2
mv "$OPERATIONS.tmp" "$OPERATIONS"
mv "$OUT.tmp" "$OUT"
log "built $OUT"
echo "$OUT"
