#!/usr/bin/env bash
# Ensures Debian's Chromium (BSD-3-Clause and others) for the console's browser tests, unpacked under
# the cache — not installed: no root, no /usr/bin/chromium — and prints the browser binary's path.
# The libraries Chromium needs that this machine lacks are unpacked beside it; tests launch the
# binary through playwright-core with LD_LIBRARY_PATH pointing there
# (libs/shared/testing/src/chromium.peer.ts). Never `npx playwright install`: that downloads a browser.
source "$(dirname "$0")/lib.sh"
command -v apt-get >/dev/null && command -v dpkg >/dev/null || { log "chromium needs apt-get and dpkg (Debian/Ubuntu) to fetch Debian's chromium"; exit 1; }
VERSION="$(apt-cache policy chromium 2>/dev/null | awk '/Candidate:/ {print $2}')"
if [[ -z "$VERSION" || "$VERSION" == "(none)" ]]; then
  # Without package lists, fall back to whatever this cache already holds.
  VERSION="$(cd "$PEERS_DIR" && compgen -G 'chromium-*' | sed 's/^chromium-//' | sort -V | tail -1 || true)"
  [[ -n "$VERSION" ]] || { log "no chromium candidate in the package lists (run apt-get update)"; exit 1; }
fi
DIR="$PEERS_DIR/chromium-$VERSION"
OUT="$DIR/root/usr/lib/chromium/chromium"
if [[ -x "$OUT" && -f "$DIR/LD_LIBRARY_PATH" ]]; then echo "$OUT"; exit 0; fi
if [[ "${STACKYARD_PEERS_NO_INSTALL:-}" == 1 ]]; then
  log "Chromium is not provisioned ($OUT missing) and installing is off"
  exit 1
fi
# What apt would install on this machine is exactly what the machine lacks: fetch those packages
# and unpack them, instead of installing them system-wide.
mapfile -t PACKAGES < <(apt-get -s install --no-install-recommends chromium 2>/dev/null | awk '/^Inst / {print $2}')
((${#PACKAGES[@]})) || { log "apt-get could not plan chromium's install (run apt-get update)"; exit 1; }
log "fetching chromium $VERSION and ${#PACKAGES[@]} packages this machine lacks into $DIR"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# apt-get download writes to the current directory; as root its sandbox user cannot, hence the chmod.
chmod 777 "$WORK"
if ! (cd "$WORK" && apt-get download "${PACKAGES[@]}" >&2); then
  log "apt-get download failed; the package lists may be missing (run apt-get update)"
  exit 1
fi
rm -rf "$DIR.partial"
mkdir -p "$DIR.partial/root"
for deb in "$WORK"/*.deb; do dpkg-deb -x "$deb" "$DIR.partial/root"; done
LIBPATH="$(find "$DIR.partial/root/usr/lib" -maxdepth 1 -type d -name '*-linux-gnu*' | head -1)"
# libpulse keeps its private library in a subdirectory that the dynamic loader is told of by
# /etc/ld.so.conf.d, which an unpacked tree does not have.
LIBPATH="${LIBPATH/$DIR.partial/$DIR}:${LIBPATH/$DIR.partial/$DIR}/pulseaudio:$DIR/root/usr/lib/chromium"
MISSING="$(LD_LIBRARY_PATH="${LIBPATH//$DIR/$DIR.partial}" ldd "$DIR.partial/root/usr/lib/chromium/chromium" 2>&1 | grep 'not found' | sort -u || true)"
if [[ -n "$MISSING" ]]; then
  log "chromium needs libraries this system lacks:"
  log "$MISSING"
  exit 1
fi
printf '%s\n' "$LIBPATH" > "$DIR.partial/LD_LIBRARY_PATH"
rm -rf "$DIR"
mv "$DIR.partial" "$DIR"
log "provisioned chromium $VERSION in $DIR"
echo "$OUT"
