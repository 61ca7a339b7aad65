#!/usr/bin/env bash
# Builds a Vault-compatible server for the Transit key provider and prints its path.
#   1. OpenBao (MPL-2.0) v2.6.2 through same-commit pseudo-versions (test-peers.md §3): the module
#      proxy does not serve github.com/openbao/openbao at all ("This module version is not
#      available"), so this is tried once and cheaply, and skipped on later runs by the cache.
#   2. HashiCorp Vault v1.14.8, the last MPL-2.0 release, in a vendored tools module (its go.mod
#      replaces api/sdk with local directories, which a dependency ignores): tagged api/sdk plus
#      the small compatibility edits explained below. Once: ~12 min cold on 2 cores, ~1.5 min warm.
# Vault >= 1.15 is BUSL-1.1 and must not be used.
source "$(dirname "$0")/lib.sh"
BAO_PSEUDO="${STACKYARD_OPENBAO_PSEUDO:-v0.0.0-20260818154305-dd9c19c37a87}"
VERSION="${STACKYARD_VAULT_VERSION:-v1.14.8}"
# v1.14.8's go.mod requires sdk v0.9.2, but the 1.14 release branch compiled against untagged
# sdk code: with v0.9.2 the build fails on five missing symbols (logical.CtxKeyRequestRole,
# CreateContextOriginalBody, ContextOriginalBodyValue; physical.FencingHABackend, IsUnfencedWrite).
# Later tags (v0.10.x, v0.11.0) have those but changed logical.EventSender (SendEvent), which 1.14
# does not implement. So: sdk v0.9.2, vendored, plus a small file of ours declaring the five.
SDK_VERSION="${STACKYARD_VAULT_SDK_VERSION:-v0.9.2}"
# Likewise its `command` package calls api methods newer than the api v1.9.2 it requires
# (Sys().RaftAutopilotStateWithDRToken …); api v1.10.0 is the first tag with them.
API_VERSION="${STACKYARD_VAULT_API_VERSION:-v1.10.0}"
BAO="$PEERS_DIR/openbao-$BAO_PSEUDO/bin/bao"
OUT="$PEERS_DIR/vault-$VERSION/bin/vault"
if [[ -x "$BAO" ]]; then echo "$BAO"; exit 0; fi
if [[ -x "$OUT" ]]; then echo "$OUT"; exit 0; fi
need_go "vault $VERSION"

try_openbao() {
  local work="$PEERS_DIR/openbao-$BAO_PSEUDO/build"
  [[ -f "$PEERS_DIR/openbao-$BAO_PSEUDO/unavailable" ]] && return 1
  log "trying OpenBao $BAO_PSEUDO (same-commit pseudo-versions of sdk/v2 and api/v2)"
  rm -rf "$work"; mkdir -p "$work"; cd "$work"
  go mod init local.stackyard/openbao >/dev/null 2>&1
  local commit="${BAO_PSEUDO##*-}"
  if go get "github.com/openbao/openbao@$BAO_PSEUDO" "github.com/openbao/openbao/sdk/v2@$commit" \
    "github.com/openbao/openbao/api/v2@$commit" >&2 &&
    go build -trimpath -ldflags "-s -w -checklinkname=0" -o "$BAO.tmp" github.com/openbao/openbao >&2; then
    mv "$BAO.tmp" "$BAO"; return 0
  fi
  # Remember the failure so later runs go straight to Vault (delete the marker to retry).
  touch "$PEERS_DIR/openbao-$BAO_PSEUDO/unavailable"
  return 1
}
if (try_openbao); then log "built $BAO"; echo "$BAO"; exit 0; fi
log "OpenBao could not be built from the module proxy; building Vault $VERSION (MPL-2.0; takes 10+ minutes once)"

WORK="$PEERS_DIR/vault-$VERSION/build"
rm -rf "$WORK"; mkdir -p "$WORK" "$(dirname "$OUT")"; cd "$WORK"
go mod init local.stackyard/vault >/dev/null 2>&1
# gosnowflake 1.6 (a database plugin) parses embedded CA certificates with negative serial numbers
# at init, which Go >= 1.23 refuses ("panic: failed to parse CA certificate") unless allowed.
go mod edit -godebug=x509negativeserial=1
{ go get -tool "github.com/hashicorp/vault@$VERSION" && go get "github.com/hashicorp/vault/sdk@$SDK_VERSION" "github.com/hashicorp/vault/api@$API_VERSION" && go mod tidy && go mod vendor; } >&2 || {
  log "cannot provision Vault $VERSION: go get / go mod tidy / go mod vendor failed"; exit 1; }
cat >vendor/github.com/hashicorp/vault/sdk/logical/stackyard_backport.go <<'GO'
package logical

// Added by stackyard's scripts/peers/vault.sh: Vault 1.14.8 uses these, which sdk v0.9.2 lacks.

import (
	"context"
	"io"
)

type CtxKeyRequestRole struct{}

func (c CtxKeyRequestRole) String() string { return "request-role" }

type stackyardCtxKeyOriginalBody struct{}

func ContextOriginalBodyValue(ctx context.Context) (io.ReadCloser, bool) {
	body, ok := ctx.Value(stackyardCtxKeyOriginalBody{}).(io.ReadCloser)
	return body, ok
}

func CreateContextOriginalBody(parent context.Context, body io.ReadCloser) context.Context {
	return context.WithValue(parent, stackyardCtxKeyOriginalBody{}, body)
}
GO
cat >vendor/github.com/hashicorp/vault/sdk/physical/stackyard_backport.go <<'GO'
package physical

// Added by stackyard's scripts/peers/vault.sh: Vault 1.14.8 uses these, which sdk v0.9.2 lacks.

import "context"

// FencingHABackend is an HABackend that fences writes with the active node's lock (Consul).
type FencingHABackend interface {
	HABackend
	RegisterActiveNodeLock(l Lock) error
}

type stackyardUnfencedWriteKey struct{}

func UnfencedWriteCtx(ctx context.Context) context.Context {
	return context.WithValue(ctx, stackyardUnfencedWriteKey{}, true)
}

func IsUnfencedWrite(ctx context.Context) bool {
	unfenced, ok := ctx.Value(stackyardUnfencedWriteKey{}).(bool)
	return ok && unfenced
}
GO
# sdk v0.9.2's framework panics at start on a path that defines CreateOperation without an
# ExistenceCheck; Vault 1.14.8's own enterprise stubs (sys/managed-keys/…) do exactly that, so the
# 1.14 sdk evidently no longer refused them. Drop that start-up assertion in the vendored copy.
sed -i 's|panic(fmt.Sprintf("Pattern %v defines a CreateOperation but no ExistenceCheck", p.Pattern))|// stackyard: allowed, see scripts/peers/vault.sh|' \
  vendor/github.com/hashicorp/vault/sdk/framework/backend.go
grep -q "stackyard: allowed, see scripts/peers/vault.sh" vendor/github.com/hashicorp/vault/sdk/framework/backend.go || {
  log "cannot provision Vault $VERSION: the sdk framework patch no longer applies"; exit 1; }
# -checklinkname=0: 2023-era dependencies use go:linkname into the runtime, refused by Go >= 1.23.
GOFLAGS=-mod=vendor go build -trimpath -ldflags "-s -w -checklinkname=0" -o "$OUT.tmp" github.com/hashicorp/vault >&2 || {
  log "cannot provision Vault $VERSION: go build failed (see above)"; exit 1; }
mv "$OUT.tmp" "$OUT"
rm -rf "$WORK" # the vendored tree (~340 MB); Go's build cache keeps rebuilds fast
log "built $("$OUT" version)"
echo "$OUT"
