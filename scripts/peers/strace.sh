#!/usr/bin/env bash
# Ensures strace (Debian) exists: the network audit e2e test traces every connect() of the services.
source "$(dirname "$0")/lib.sh"
if ! command -v strace >/dev/null 2>&1; then
  if [[ "${STACKYARD_PEERS_NO_INSTALL:-}" == 1 ]]; then
    log "strace is not installed and installing is off"
    exit 1
  fi
  log "strace not found: installing it from the Debian archive"
  SUDO=(); [[ "$(id -u)" -ne 0 ]] && SUDO=(sudo)
  "${SUDO[@]}" apt-get update >&2
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y --no-install-recommends strace >&2
  log "provisioned: $(dpkg-query -W -f='${Package} ${Version}' strace)"
fi
strace -V | head -n 1
