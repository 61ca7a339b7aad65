#!/usr/bin/env bash
# Ensures rsyslog (Debian's rsyslog + rsyslog-gnutls, GPL-3.0/LGPL-3.0/Apache-2.0) with its GnuTLS
# network stream driver, unpacked under the cache — not installed: no root, no system daemon, no
# /etc/rsyslog.conf — and prints rsyslogd's path. Tests start private servers (their own config,
# imtcp over TLS on a free 127.0.0.1 port, writing what they receive to a file) with
# LD_LIBRARY_PATH and -M pointing into the unpacked tree (libs/shared/testing/src/rsyslog.peer.ts).
source "$(dirname "$0")/lib.sh"
DIR="$PEERS_DIR/rsyslog"
OUT="$DIR/root/usr/sbin/rsyslogd"
# The driver module is what TLS needs; rsyslogd alone is not enough.
driver_present() { compgen -G "$DIR/root/usr/lib/*/rsyslog/lmnsd_gtls.so" >/dev/null; }
if [[ -x "$OUT" ]] && driver_present; then echo "$OUT"; exit 0; fi
if [[ "${STACKYARD_PEERS_NO_INSTALL:-}" == 1 ]]; then
  log "rsyslog is not provisioned ($OUT missing) and installing is off"
  exit 1
fi
command -v apt-get >/dev/null && command -v dpkg >/dev/null || { log "rsyslog needs apt-get and dpkg (Debian/Ubuntu) to fetch rsyslog and rsyslog-gnutls"; exit 1; }
log "fetching rsyslog, rsyslog-gnutls and the two libraries Debian images lack (libestr0, libfastjson4) into $DIR"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# apt-get download writes to the current directory; as root its sandbox user cannot, hence the chmod.
chmod 777 "$WORK"
PACKAGES=(rsyslog rsyslog-gnutls libestr0 libfastjson4)
if ! (cd "$WORK" && apt-get download "${PACKAGES[@]}" >&2); then
  log "apt-get download failed; the package lists may be missing (run apt-get update)"
  exit 1
fi
rm -rf "$DIR.partial"
mkdir -p "$DIR.partial/root"
for deb in "$WORK"/*.deb; do dpkg-deb -x "$deb" "$DIR.partial/root"; done
LIBDIR="$(dirname "$(compgen -G "$DIR.partial/root/usr/lib/*/rsyslog/lmnsd_gtls.so" | head -1)")"
# Every other library rsyslogd and its TLS input need must come from the system.
MISSING="$(LD_LIBRARY_PATH="$(dirname "$LIBDIR")" ldd "$DIR.partial/root/usr/sbin/rsyslogd" "$LIBDIR"/{imtcp,lmnsd_gtls,lmnetstrms,lmtcpsrv,lmnet}.so 2>&1 | grep 'not found' | sort -u || true)"
if [[ -n "$MISSING" ]]; then
  log "rsyslogd needs libraries this system lacks:"
  log "$MISSING"
  exit 1
fi
rm -rf "$DIR"
mv "$DIR.partial" "$DIR"
dpkg-deb -f "$WORK"/rsyslog_*.deb Version > "$DIR/VERSION"
log "provisioned rsyslog $(cat "$DIR/VERSION") in $DIR"
echo "$OUT"
