#!/usr/bin/env bash
# Ensures OpenLDAP's slapd (Debian's slapd, OpenLDAP Public License) and the modules the LDAP
# sign-in tests load (back_mdb, memberof, refint, ppolicy) exist, and prints the slapd version.
# Tests start their own isolated servers (their own slapd.conf, temp dir, free 127.0.0.1 ports)
# and seed them over LDAPS from Node, so ldap-utils (ldapsearch) is not needed, only handy.
source "$(dirname "$0")/lib.sh"
# Debian installs slapd in /usr/sbin, which is not on every user's PATH.
find_slapd() {
  command -v slapd 2>/dev/null && return 0
  local d; for d in /usr/local/sbin /usr/sbin /sbin; do [[ -x "$d/slapd" ]] && { echo "$d/slapd"; return 0; }; done
  return 1
}
# The overlays are loadable modules in slapd's package; a partial install would fail at startup.
modules_present() {
  local m; for m in back_mdb memberof refint ppolicy; do [[ -e "/usr/lib/ldap/$m.so" || -e "/usr/lib/ldap/$m.la" ]] || return 1; done
}
if ! find_slapd >/dev/null || ! modules_present; then
  if [[ "${STACKYARD_PEERS_NO_INSTALL:-}" == 1 ]]; then
    log "OpenLDAP is not provisioned: slapd or its modules (/usr/lib/ldap) not found, and installing is off"
    exit 1
  fi
  log "slapd or its modules not found: installing slapd from the Debian archive"
  SUDO=(); [[ "$(id -u)" -ne 0 ]] && SUDO=(sudo)
  # Other peer scripts may be installing at the same time: wait for dpkg's lock instead of failing.
  APT=(apt-get -o DPkg::Lock::Timeout=600)
  "${SUDO[@]}" "${APT[@]}" update >&2
  # slapd's postinst asks debconf questions; noninteractive takes the defaults. It also creates a
  # system database in /var/lib/ldap that the tests never touch.
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" "${APT[@]}" install -y --no-install-recommends slapd >&2
  log "provisioned: $(dpkg-query -W -f='${Package} ${Version}' slapd)"
fi
# `slapd -VV` prints its banner on stderr and exits 0.
"$(find_slapd)" -VV 2>&1 | grep -m1 -o 'slapd [0-9][0-9.]*' || { log "slapd -VV printed no version"; exit 1; }
