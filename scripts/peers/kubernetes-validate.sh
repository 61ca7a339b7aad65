#!/usr/bin/env bash
# Ensures a Python virtualenv with kubernetes-validate (Apache-2.0) from PyPI and prints the path of
# its `kubernetes-validate` command. Its wheel bundles the Kubernetes OpenAPI-derived JSON schemas,
# including the `-strict` ones that reject unknown fields, so rendered chart manifests are validated
# offline (tools/chart-tests). Cached by version under $STACKYARD_CACHE/peers.
# Usage: scripts/peers/kubernetes-validate.sh   (STACKYARD_KUBERNETES_VALIDATE_VERSION overrides)
source "$(dirname "$0")/lib.sh"
VERSION="${STACKYARD_KUBERNETES_VALIDATE_VERSION:-1.37.0}"
DIR="$PEERS_DIR/kubernetes-validate-$VERSION"
BIN="$DIR/bin/kubernetes-validate"
works() { "$BIN" --version >/dev/null 2>&1; }
if [[ ! -f "$DIR/.complete" ]] || ! works; then
  if [[ "${STACKYARD_PEERS_NO_INSTALL:-}" == 1 ]]; then
    log "kubernetes-validate $VERSION is not provisioned ($DIR), and installing is off"
    exit 1
  fi
  HOST_PYTHON="$(command -v python3 || true)"
  [[ -n "$HOST_PYTHON" ]] || { log "cannot provision kubernetes-validate: python3 is not on PATH"; exit 1; }
  if ! "$HOST_PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
    # Debian splits venv/ensurepip off into python3-venv.
    log "python3 has no venv/ensurepip module: installing python3-venv from the Debian archive"
    SUDO=(); [[ "$(id -u)" -ne 0 ]] && SUDO=(sudo)
    "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 update >&2
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends python3-venv >&2
  fi
  log "installing kubernetes-validate $VERSION from PyPI into $DIR"
  rm -rf "$DIR"
  "$HOST_PYTHON" -m venv "$DIR" >&2
  "$DIR/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "kubernetes-validate==$VERSION" >&2
  works || { log "kubernetes-validate did not run after installing"; exit 1; }
  touch "$DIR/.complete"
  log "provisioned kubernetes-validate $VERSION"
fi
echo "$BIN"
