#!/usr/bin/env bash
# Builds etcd (Apache-2.0), the store behind the kube-apiserver peer, and prints its path.
# etcd's server module is itself the `etcd` main package; its go.mod replaces the sibling modules
# (api, client, pkg) with local directories, which a dependency ignores, so it is built inside a
# small tools module where the tagged siblings of the same release are picked up instead.
source "$(dirname "$0")/lib.sh"
VERSION="${STACKYARD_ETCD_VERSION:-v3.6.16}"
OUT="$PEERS_DIR/etcd-$VERSION/bin/etcd"
if [[ -x "$OUT" ]]; then echo "$OUT"; exit 0; fi
if [[ "${STACKYARD_PEERS_NO_INSTALL:-}" == 1 ]]; then
  log "etcd $VERSION is not provisioned ($OUT missing) and installing is off"
  exit 1
fi
need_go "etcd $VERSION"
log "building etcd $VERSION from the Go module proxy (cached at $OUT; a few minutes once)"
WORK="$PEERS_DIR/etcd-$VERSION/build"
rm -rf "$WORK"; mkdir -p "$WORK" "$(dirname "$OUT")"; cd "$WORK"
go mod init local.stackyard/etcd >/dev/null 2>&1
{ go get -tool "go.etcd.io/etcd/server/v3@$VERSION" &&
  nice -n 19 go build -trimpath -ldflags "-s -w" -o "$OUT.tmp" go.etcd.io/etcd/server/v3; } >&2 || {
  log "cannot provision etcd $VERSION: go get / go build failed (see above)"; exit 1; }
mv "$OUT.tmp" "$OUT"
rm -rf "$WORK"
log "built $OUT"
echo "$OUT"
