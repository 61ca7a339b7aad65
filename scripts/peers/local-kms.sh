#!/usr/bin/env bash
# Builds local-kms (MIT, github.com/nsmithuk/local-kms), an AWS KMS emulator with real AES/RSA keys,
# and prints its path. Falls back to moto server (PyPI `moto[server]`, Apache-2.0) when the Go
# build fails; then the path printed is moto_server's (the launcher tells them apart by name).
#
# local-kms listens on every interface (":<PORT>"). Test peers listen on loopback only, so the
# build vendors the module in a throw-away tools module and edits that one line to
# "127.0.0.1:<PORT>" with sed (nothing of local-kms is kept in this repository).
source "$(dirname "$0")/lib.sh"
VERSION="${STACKYARD_LOCAL_KMS_VERSION:-v0.0.0-20260228092603-2a5e92d09ab6}"
MOTO_VERSION="${STACKYARD_MOTO_VERSION:-5.2.5}"
OUT="$PEERS_DIR/local-kms-$VERSION/bin/local-kms"
MOTO="$PEERS_DIR/moto-$MOTO_VERSION/venv/bin/moto_server"
if [[ -x "$OUT" ]]; then echo "$OUT"; exit 0; fi
# A cached moto (an earlier fallback) is used only while local-kms still cannot be built.
build_local_kms() {
  command -v go >/dev/null 2>&1 || { log "local-kms: Go is not installed"; return 1; }
  log "building local-kms $VERSION from the Go module proxy (cached at $OUT)"
  local work="$PEERS_DIR/local-kms-$VERSION/build" server
  rm -rf "$work"; mkdir -p "$work" "$(dirname "$OUT")"; cd "$work"
  go mod init local.stackyard/local-kms >/dev/null 2>&1
  go get -tool "github.com/nsmithuk/local-kms@$VERSION" >&2 || return 1
  go mod vendor >&2 || return 1
  server="vendor/github.com/nsmithuk/local-kms/src/server.go"
  sed -i 's|addr := ":"+port|addr := "127.0.0.1:"+port|' "$server"
  grep -q 'addr := "127.0.0.1:"+port' "$server" || { log "local-kms: its listen line moved; update the loopback patch in $0"; return 1; }
  GOFLAGS=-mod=vendor go build -trimpath -ldflags "-s -w" -o "$OUT.tmp" github.com/nsmithuk/local-kms >&2 || return 1
  mv "$OUT.tmp" "$OUT"
  rm -rf "$work"
}
if (build_local_kms) && [[ -x "$OUT" ]]; then log "built $OUT"; echo "$OUT"; exit 0; fi

if [[ -x "$MOTO" ]]; then log "local-kms could not be built; using the cached moto server"; echo "$MOTO"; exit 0; fi
log "local-kms could not be built; falling back to moto server $MOTO_VERSION (PyPI)"
command -v python3 >/dev/null 2>&1 || { log "cannot provision the AWS KMS peer: local-kms did not build and python3 is missing for moto"; exit 1; }
VENV="$(dirname "$(dirname "$MOTO")")"
rm -rf "$VENV"
{ python3 -m venv "$VENV" && "$VENV/bin/pip" install --quiet "moto[server]==$MOTO_VERSION"; } >&2 ||
  { log "cannot provision the AWS KMS peer: local-kms did not build and moto[server]==$MOTO_VERSION did not install"; exit 1; }
log "installed $MOTO"
echo "$MOTO"
