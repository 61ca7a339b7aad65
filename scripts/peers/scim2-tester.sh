#!/usr/bin/env bash
# Ensures a Python virtualenv with scim2-tester (Yaal Coop's SCIM server compliance checker, Apache-2.0)
# and the scim2-client it drives exist, and prints the interpreter and the versions. They are the
# independent SCIM client of the SCIM acceptance test (e2e/identity/scim.e2e-spec.ts), installed
# from PyPI with pip into $STACKYARD_CACHE/peers/scim2-tester-<version>, pinned so a warm cache is
# reused and every machine checks with the same client.
# Usage: scripts/peers/scim2-tester.sh   (STACKYARD_SCIM2_TESTER_VERSION overrides the version)
source "$(dirname "$0")/lib.sh"
VERSION="${STACKYARD_SCIM2_TESTER_VERSION:-0.5.2}"
# scim2-tester's own dependencies, pinned to the releases it was checked with.
CLIENT_VERSION="${STACKYARD_SCIM2_CLIENT_VERSION:-0.13.2}"
MODELS_VERSION="${STACKYARD_SCIM2_MODELS_VERSION:-0.12.3}"
# The HTTP client scim2-client's network engine uses.
HTTPX2_VERSION="${STACKYARD_HTTPX2_VERSION:-2.16.2}"
DIR="$PEERS_DIR/scim2-tester-$VERSION"
PYTHON="$DIR/bin/python"
versions() {
  "$PYTHON" - <<'PY'
from importlib.metadata import version
import platform
import httpx2, scim2_client.engines.httpx2, scim2_tester  # noqa: F401 (the test imports these)
print(f"scim2-tester {version('scim2-tester')}, scim2-client {version('scim2-client')}, scim2-models {version('scim2-models')}, httpx2 {version('httpx2')}; Python {platform.python_version()}")
PY
}
# A venv that no longer imports (its base interpreter moved, say) is rebuilt.
if [[ ! -f "$DIR/.complete" ]] || ! versions >/dev/null 2>&1; then
  if [[ "${STACKYARD_PEERS_NO_INSTALL:-}" == 1 ]]; then
    log "scim2-tester $VERSION is not provisioned ($DIR), and installing is off"
    exit 1
  fi
  HOST_PYTHON="$(command -v python3 || true)"
  [[ -n "$HOST_PYTHON" ]] || { log "cannot provision scim2-tester: python3 (>= 3.10) is not on PATH"; exit 1; }
  "$HOST_PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || { log "cannot provision scim2-tester: $("$HOST_PYTHON" --version 2>&1) is older than 3.10"; exit 1; }
  if ! "$HOST_PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
    # Debian splits venv/ensurepip off into python3-venv.
    log "python3 has no venv/ensurepip module: installing python3-venv from the Debian archive"
    SUDO=(); [[ "$(id -u)" -ne 0 ]] && SUDO=(sudo)
    "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 update >&2
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends python3-venv >&2
  fi
  log "installing scim2-tester $VERSION (scim2-client $CLIENT_VERSION, scim2-models $MODELS_VERSION) from PyPI into $DIR"
  rm -rf "$DIR"
  "$HOST_PYTHON" -m venv "$DIR" >&2
  "$PYTHON" -m pip install --quiet --disable-pip-version-check --no-input \
    "scim2-tester[httpx2]==$VERSION" "scim2-client[httpx2]==$CLIENT_VERSION" "scim2-models==$MODELS_VERSION" "httpx2==$HTTPX2_VERSION" >&2
  versions >/dev/null || { log "scim2-tester did not import after installing"; exit 1; }
  touch "$DIR/.complete"
  log "provisioned: $(versions)"
fi
DESCRIPTION="$(versions)" || { log "scim2-tester $VERSION in $DIR does not import"; exit 1; }
echo "$PYTHON ($DESCRIPTION)"
