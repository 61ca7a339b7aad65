#!/usr/bin/env bash
# Ensures the MariaDB server binaries (Debian's mariadb-server, GPL-2.0) exist and prints the server
# version. Tests start their own isolated instances (--no-defaults, temp datadir, free port); the
# system service, if any, is never used.
source "$(dirname "$0")/lib.sh"
# Debian installs mariadbd in /usr/sbin, which is not on every user's PATH.
# STACKYARD_MARIADB_BIN_DIR pins where the binaries must be (tests use it to simulate a machine
# without MariaDB); STACKYARD_PEERS_NO_INSTALL=1 forbids installing.
find_bin() {
  if [[ -n "${STACKYARD_MARIADB_BIN_DIR:-}" ]]; then
    [[ -x "$STACKYARD_MARIADB_BIN_DIR/$1" ]] && { echo "$STACKYARD_MARIADB_BIN_DIR/$1"; return 0; }
    return 1
  fi
  command -v "$1" 2>/dev/null && return 0
  local d; for d in /usr/local/sbin /usr/sbin /sbin; do [[ -x "$d/$1" ]] && { echo "$d/$1"; return 0; }; done
  return 1
}
# mariadb-dump: scripts/backup.sh and its e2e test.
if ! find_bin mariadbd >/dev/null || ! find_bin mariadb-install-db >/dev/null || ! find_bin mariadb >/dev/null || ! find_bin mariadb-dump >/dev/null; then
  if [[ -n "${STACKYARD_MARIADB_BIN_DIR:-}" || "${STACKYARD_PEERS_NO_INSTALL:-}" == 1 ]]; then
    log "MariaDB is not provisioned: mariadbd, mariadb-install-db, mariadb or mariadb-dump not found in ${STACKYARD_MARIADB_BIN_DIR:-PATH or /usr/sbin}, and installing is off"
    exit 1
  fi
  log "mariadbd, mariadb-install-db, mariadb or mariadb-dump not found: installing mariadb-server and mariadb-client from the Debian archive"
  SUDO=(); [[ "$(id -u)" -ne 0 ]] && SUDO=(sudo)
  "${SUDO[@]}" apt-get update >&2
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y --no-install-recommends mariadb-server mariadb-client >&2
  log "provisioned: $(dpkg-query -W -f='${Package} ${Version}; ' mariadb-server mariadb-client)"
fi
"$(find_bin mariadbd)" --version
