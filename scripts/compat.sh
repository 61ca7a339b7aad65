#!/usr/bin/env bash
# Compatibility run: builds any `pulumi` CLI version the Go module proxy serves and runs the whole
# e2e tier with it, once per upload mode, then records each run in COMPATIBILITY.md.
#
#   npm run compat -- v3.252.0                       (upload modes: journal, delta, checkpoint)
#   npm run compat -- v3.225.1 --upload-modes journal
#   npm run compat -- v3.274.1 --no-record           (run only; COMPATIBILITY.md untouched)
#
# Upload modes (e2e/support/upload-mode.ts) are set on the server, so the CLI chooses what it would
# choose against a real deployment: `journal` = the shipped defaults, `delta` = journaling off,
# `checkpoint` = journaling and deltas off. Tests that compare modes set their own.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$PATH"

usage() {
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
VERSION=""
MODES="journal delta checkpoint"
RECORD=1
while (($#)); do
  case "$1" in
    --upload-modes) MODES="${2//,/ }"; shift 2 ;;
    --no-record) RECORD=0; shift ;;
    -h | --help) usage ;;
    v[0-9]*) VERSION="$1"; shift ;;
    *) printf 'compat.sh: unknown argument %s\n' "$1" >&2; usage ;;
  esac
done
[[ -n "$VERSION" ]] || usage
for mode in $MODES; do
  [[ "$mode" =~ ^(journal|delta|checkpoint)$ ]] || { printf 'compat.sh: unknown upload mode %s\n' "$mode" >&2; exit 2; }
done

printf '==> pulumi %s (scripts/peers/pulumi-cli.sh; the first build of a version takes minutes)\n' "$VERSION"
BINARY="$(bash scripts/peers/pulumi-cli.sh "$VERSION")" || { printf 'compat.sh: could not build pulumi %s\n' "$VERSION" >&2; exit 1; }
printf '    %s: %s\n' "$BINARY" "$("$BINARY" version)"

COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
# The rows this script adds to COMPATIBILITY.md do not make the checkout "dirty".
[[ -z "$(git status --porcelain -- . ':!COMPATIBILITY.md' 2>/dev/null)" ]] || COMMIT="$COMMIT+dirty"
ROWS=()
STATUS=0
for mode in $MODES; do
  LOG_DIR="$ROOT/dist/test-logs/compat-$VERSION-$mode"
  mkdir -p "$LOG_DIR"
  printf '\n==> e2e tier with pulumi %s, upload mode %s (logs: %s)\n' "$VERSION" "$mode" "$LOG_DIR"
  started=$SECONDS
  # CI=false: this is a deliberate subset (the e2e tier) of the full test command.
  CI=false STACKYARD_TEST_TIERS=e2e STACKYARD_PULUMI_VERSION="$VERSION" STACKYARD_E2E_UPLOAD_MODE="$mode" \
    STACKYARD_TEST_LOG_DIR="$LOG_DIR" bash scripts/test.sh 2>&1 | tee "$LOG_DIR.out"
  rc=${PIPESTATUS[0]}
  minutes=$(((SECONDS - started + 30) / 60))
  total="$(grep -E '^total: ' "$LOG_DIR.out" | tail -n 1 | sed 's/^total: //')"
  # Test names from the runner's "failing tests" list (not its header), each once.
  failing="$(grep -E '^✖ ' "$LOG_DIR/e2e.log" 2>/dev/null | sed 's/^✖ //; s/ ([0-9.]*m\?s)$//' | grep -v ':$' | sort -u | head -n 6 | paste -sd ';' - | sed 's/;/; /g')"
  if ((rc == 0)); then result="pass"; else result="FAIL"; STATUS=1; fi
  ROWS+=("| $(date -u +%F) | $VERSION | $mode | $result | ${total:-no summary} | ${minutes} min | \`$COMMIT\` | ${failing:-—} |")
done

printf '\n==> results\n'
printf '%s\n' "${ROWS[@]}"
if ((RECORD)); then
  # Rows go right below the table header in COMPATIBILITY.md, newest first.
  node -e '
    const fs = require("fs");
    const file = "COMPATIBILITY.md";
    const rows = process.argv.slice(1);
    const text = fs.readFileSync(file, "utf8");
    const marker = "<!-- compat-runs: scripts/compat.sh inserts rows below -->\n";
    const at = text.indexOf(marker);
    if (at < 0) { console.error("COMPATIBILITY.md has no compat-runs marker"); process.exit(1); }
    const headerEnd = text.indexOf("\n", text.indexOf("\n", at + marker.length) + 1) + 1;
    fs.writeFileSync(file, text.slice(0, headerEnd) + rows.join("\n") + "\n" + text.slice(headerEnd));
  ' "${ROWS[@]}" && printf '    recorded in COMPATIBILITY.md\n'
fi
exit $STATUS
