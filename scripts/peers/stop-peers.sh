#!/usr/bin/env bash
# Stops the peers started by start-peers.sh and deletes their directory.
# Usage: scripts/peers/stop-peers.sh <run-dir> [--keep-data]
source "$(dirname "$0")/lib.sh"
[[ $# -ge 1 && -d "$1" ]] || { log "usage: stop-peers.sh <run-dir> [--keep-data]"; exit 2; }
DIR="$(cd "$1" && pwd)"; KEEP="${2:-}"
if [[ -f "$DIR/pids" ]]; then
  while read -r name pid; do
    [[ -n "${pid:-}" ]] || continue
    # Only signal a process that still is our peer: its command line names the run directory.
    if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$DIR"; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then log "$name (pid $pid) ignored SIGTERM; killing it"; kill -KILL "$pid" 2>/dev/null || true; fi
      log "stopped $name (pid $pid)"
    fi
  done <"$DIR/pids"
  rm -f "$DIR/pids"
fi
if [[ "$KEEP" != "--keep-data" && -f "$DIR/.stackyard-peers" ]]; then
  rm -rf "$DIR"
  log "removed $DIR"
fi
