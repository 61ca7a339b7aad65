#!/usr/bin/env bash
# Builds the real `pulumi` CLI from the Go module proxy (pulumi-protocol.md §8) and prints its path.
# Usage: scripts/peers/pulumi-cli.sh [version]   (default: the version CI pins)
source "$(dirname "$0")/lib.sh"
VERSION="${1:-${STACKYARD_PULUMI_VERSION:-v3.274.1}}"
OUT="$PEERS_DIR/pulumi-$VERSION/bin/pulumi"
if [[ -x "$OUT" ]]; then echo "$OUT"; exit 0; fi
need_go "pulumi $VERSION"
log "building pulumi $VERSION from the Go module proxy (cached at $OUT; takes several minutes once)"
WORK="$PEERS_DIR/pulumi-$VERSION/build"
rm -rf "$WORK"; mkdir -p "$WORK"; cd "$WORK"
go mod init local.stackyard/pulumi-cli >/dev/null 2>&1
# pkg/v3 replaces atotto/clipboard upstream; a dependency's replace is ignored, so copy it here.
go mod edit -replace=github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e
go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$VERSION" "github.com/pulumi/pulumi/sdk/v3@$VERSION" >&2
go build -trimpath -tags osusergo,grpcnotrace \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$VERSION" \
  -o "$OUT.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2
mv "$OUT.tmp" "$OUT"
log "built $("$OUT" version)"
echo "$OUT"
