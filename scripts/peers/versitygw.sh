#!/usr/bin/env bash
# Builds versitygw (Apache-2.0), an S3 server that verifies SigV4 signatures, and prints its path.
source "$(dirname "$0")/lib.sh"
VERSION="${STACKYARD_VERSITYGW_VERSION:-v1.7.0}"
OUT="$PEERS_DIR/versitygw-$VERSION/bin/versitygw"
if [[ -x "$OUT" ]]; then echo "$OUT"; exit 0; fi
need_go "versitygw $VERSION"
log "building versitygw $VERSION from the Go module proxy (cached at $OUT)"
GOBIN="$(dirname "$OUT")" go install -trimpath -ldflags "-s -w" "github.com/versity/versitygw/cmd/versitygw@$VERSION" >&2
log "built $OUT"
echo "$OUT"
