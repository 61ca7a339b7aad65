#!/usr/bin/env bash
# Builds kube-apiserver (Apache-2.0) from k8s.io/kubernetes and prints its path. It is the real
# Kubernetes API (RBAC, coordination.k8s.io Leases, optimistic concurrency) without kubelet or
# pods; the leader-election tests run it on 127.0.0.1 over an etcd from scripts/peers/etcd.sh.
# k8s.io/kubernetes replaces its ~30 staging modules (k8s.io/api, apimachinery, …) with local
# ./staging directories, which a dependency ignores, so the tools module below replaces each with
# its published tag of the same release (v0.X.Y for kubernetes v1.X.Y) and copies every other
# replace as is. Heavy: 10–15 min and a few GB of memory once on 2 cores.
source "$(dirname "$0")/lib.sh"
VERSION="${STACKYARD_KUBE_APISERVER_VERSION:-v1.37.2}"
OUT="$PEERS_DIR/kube-apiserver-$VERSION/bin/kube-apiserver"
if [[ -x "$OUT" ]]; then echo "$OUT"; exit 0; fi
if [[ "${STACKYARD_PEERS_NO_INSTALL:-}" == 1 ]]; then
  log "kube-apiserver $VERSION is not provisioned ($OUT missing) and installing is off"
  exit 1
fi
need_go "kube-apiserver $VERSION"
STAGING_VERSION="v0.${VERSION#v1.}"
log "building kube-apiserver $VERSION from the Go module proxy (cached at $OUT; 10-15 minutes once)"
WORK="$PEERS_DIR/kube-apiserver-$VERSION/build"
rm -rf "$WORK"; mkdir -p "$WORK" "$(dirname "$OUT")"; cd "$WORK"
go mod init local.stackyard/kube-apiserver >/dev/null 2>&1
GOMOD="$(go mod download -json "k8s.io/kubernetes@$VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')"
[[ -f "$GOMOD" ]] || { log "cannot provision kube-apiserver $VERSION: the module proxy gave no go.mod"; exit 1; }
# Each replace line, in or out of a `replace ( … )` block: "old [ver] => new [ver]".
awk '/^replace \($/ {b=1; next} b && /^\)/ {b=0; next} b {print; next} /^replace / {sub(/^replace /, ""); print}' "$GOMOD" |
  while read -r line; do
    old="${line%%=>*}"; new="${line#*=>}"
    old="$(echo $old | awk '{print $1}')"; new="$(echo $new)"
    if [[ "$new" == ./* ]]; then
      go mod edit -replace="$old=$old@$STAGING_VERSION"
    else
      go mod edit -replace="$old=${new// /@}"
    fi
  done
{ go get "k8s.io/kubernetes@$VERSION" && go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@$VERSION" &&
  nice -n 19 go build -trimpath -ldflags "-s -w" -o "$OUT.tmp" k8s.io/kubernetes/cmd/kube-apiserver; } >&2 || {
  log "cannot provision kube-apiserver $VERSION: go get / go build failed (see above)"; exit 1; }
mv "$OUT.tmp" "$OUT"
rm -rf "$WORK"
log "built $OUT"
echo "$OUT"
