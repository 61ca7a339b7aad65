#!/usr/bin/env bash
# Ensures a Samba Active Directory domain controller (Debian's samba, GPL-3.0) can be provisioned
# and run, and prints the Samba version. Tests provision their own domain into a temp dir and run
# `samba -M single` on 127.0.0.1 (fixed ports 389/636); the system service is never used.
#
# Packages: samba (the `samba` DC binary), samba-ad-provision (the provisioning templates that
# `samba-tool domain provision` reads), samba-dsdb-modules (the AD directory's ldb modules; without
# them the DC cannot open sam.ldb), samba-vfs-modules (provisioning sets the sysvol ACLs through
# the acl_xattr VFS module and aborts without it). samba-common-bin (samba-tool) comes with samba.
# Not needed for an LDAP-only DC: the samba-ad-dc meta package (it adds winbind), smbclient,
# winbind, krb5-user.
source "$(dirname "$0")/lib.sh"
PACKAGES=(samba samba-ad-provision samba-dsdb-modules samba-vfs-modules)
find_bin() {
  command -v "$1" 2>/dev/null && return 0
  local d; for d in /usr/local/sbin /usr/sbin /sbin; do [[ -x "$d/$1" ]] && { echo "$d/$1"; return 0; }; done
  return 1
}
provisioned() {
  find_bin samba >/dev/null && find_bin samba-tool >/dev/null \
    && [[ -d /usr/share/samba/setup ]] \
    && [[ "$(dpkg-query -W -f='${Status}\n' "${PACKAGES[@]}" 2>/dev/null | grep -c 'install ok installed')" == "${#PACKAGES[@]}" ]]
}
if ! provisioned; then
  if [[ "${STACKYARD_PEERS_NO_INSTALL:-}" == 1 ]]; then
    log "Samba AD is not provisioned: samba, samba-tool, or one of the packages ${PACKAGES[*]} missing, and installing is off"
    exit 1
  fi
  log "Samba AD DC parts not found: installing ${PACKAGES[*]} from the Debian archive"
  SUDO=(); [[ "$(id -u)" -ne 0 ]] && SUDO=(sudo)
  # Other peer scripts may be installing at the same time: wait for dpkg's lock instead of failing.
  APT=(apt-get -o DPkg::Lock::Timeout=600)
  "${SUDO[@]}" "${APT[@]}" update >&2
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" "${APT[@]}" install -y --no-install-recommends "${PACKAGES[@]}" >&2
  log "provisioned: $(dpkg-query -W -f='${Package} ${Version}; ' "${PACKAGES[@]}")"
fi
# Prints e.g. "Version 4.17.12-Debian".
"$(find_bin samba)" --version
