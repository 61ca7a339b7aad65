#!/usr/bin/env bash
# `npm test`: provision the test peers (real programs, no mocks, no Docker), build, lint, then run
# the three test tiers with Node's own runner on the compiled JavaScript:
#   unit         dist/{apps,libs,tools,e2e}/**/*.spec.js
#   integration  dist/{apps,libs,tools}/**/*.integration-spec.js   (MariaDB, versitygw, …)
#   e2e          dist/e2e/**/*.e2e-spec.js                          (the whole suite + the real pulumi CLI)
# Exit status is non-zero if any step fails. With CI=true a peer that cannot be provisioned fails
# the run at once; locally the tests that need it fail (they never skip).
#
# Knobs: STACKYARD_TEST_TIERS="unit integration e2e" (subset, refused when CI=true),
# STACKYARD_PULUMI_VERSION (CLI under test), STACKYARD_E2E_MODES, STACKYARD_TEST_KEEP_DATA=1.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# npm scripts already put node_modules/.bin first; direct `bash scripts/test.sh` needs it too.
export PATH="$ROOT/node_modules/.bin:$PATH"
CI="${CI:-false}"
LOG_DIR="${STACKYARD_TEST_LOG_DIR:-$ROOT/dist/test-logs}"
TIERS="${STACKYARD_TEST_TIERS:-unit integration e2e}"
STARTED_AT=$SECONDS
FAILED=()
SUMMARY=()

if [[ -t 1 ]]; then BOLD=$'\033[1m' PLAIN=$'\033[0m'; else BOLD='' PLAIN=''; fi
section() { printf '\n%s==> %s%s\n' "$BOLD" "$*" "$PLAIN"; }
note() { printf '    %s\n' "$*"; }
die() {
  printf '\nscripts/test.sh: %s\n' "$*" >&2
  exit 1
}

NODE_VERSION="$(node --version 2>/dev/null || true)"
[[ "$NODE_VERSION" == v24.* ]] || die "node on PATH is '${NODE_VERSION:-missing}', expected v24 from the 'node' devDependency (run npm ci first)"
# In CI the checkout is itself a fresh clone, so proving `npm ci && npm start` on a clean copy of
# it (e2e/start, about 3 minutes) is part of the run; locally it is opt-in.
if [[ "$CI" == "true" ]]; then export STACKYARD_TEST_FRESH_CLONE="${STACKYARD_TEST_FRESH_CLONE:-1}"; fi
if [[ "$CI" == "true" && "$TIERS" != "unit integration e2e" ]]; then
  die "STACKYARD_TEST_TIERS must not narrow the run when CI=true"
fi

# ---- 1. peers ---------------------------------------------------------------------------------
section "test peers (cache: ${STACKYARD_CACHE:-$HOME/.cache/stackyard})"
MISSING_PEERS=()
provision() { # provision <name> <script> [args…]: prints what was found or built
  local name="$1" script="$2"
  shift 2
  local err out started=$SECONDS
  err="$(mktemp)"
  if [[ ! -f "scripts/peers/$script" ]]; then
    note "$name: scripts/peers/$script does not exist"
    MISSING_PEERS+=("$name")
    return
  fi
  if out="$(bash "scripts/peers/$script" "$@" 2>"$err")"; then
    local how="found cached"
    # The scripts log to stderr only when they had to build or install something.
    [[ -s "$err" ]] && how="provisioned in $((SECONDS - started)) s"
    note "$name: $how → $(printf '%s' "$out" | tail -n 1)"
  else
    note "$name: FAILED to provision; last output:"
    tail -n 15 "$err" | sed 's/^/      /'
    MISSING_PEERS+=("$name")
  fi
  rm -f "$err"
}
provision "pulumi CLI ${STACKYARD_PULUMI_VERSION:-v3.274.1}" pulumi-cli.sh
provision "versitygw (S3)" versitygw.sh
provision "MariaDB" mariadb.sh
provision "strace" strace.sh
provision "Vault v1.14.8 (Transit)" vault.sh
provision "local-kms (AWS KMS)" local-kms.sh
provision "OpenLDAP slapd" slapd.sh
provision "Samba AD DC" samba-ad.sh
provision "SimpleSAMLphp 1.19 (SAML IdP)" simplesamlphp.sh
provision "GHES 3.19 OpenAPI (@octokit/openapi 23.0.2)" ghes-openapi.sh
provision "scim2-tester 0.5.2 (SCIM client, PyPI)" scim2-tester.sh
provision "rsyslog + GnuTLS driver (syslog over TLS)" rsyslog.sh
provision "cloud-sdk-client (pulumi-cloud-sdk/go, Pulumi's REST client)" pulumi-cloud-sdk-client.sh
provision "Chromium (Debian, unpacked) for console browser tests" chromium.sh
provision "helm v3.22.0 (chart lint/template)" helm.sh
provision "helm-unittest v1.1.2 (chart unit tests)" helm-unittest.sh
provision "kubernetes-validate 1.37.0 (strict manifest schemas, PyPI)" kubernetes-validate.sh
provision "etcd v3.6.16 (for kube-apiserver)" etcd.sh
provision "kube-apiserver v1.37.2 (Lease leader election)" kube-apiserver.sh
if ((${#MISSING_PEERS[@]})); then
  if [[ "$CI" == "true" ]]; then
    die "CI=true and these test peers are missing: ${MISSING_PEERS[*]}. Every peer must be provisionable in CI; nothing is skipped."
  fi
  note "WARNING: missing peers (${MISSING_PEERS[*]}): the tests that need them will fail."
fi

# Shared peer servers for the whole run; each test still gets its own databases and buckets.
PEERS_DIR=""
stop_peers() {
  if [[ -n "$PEERS_DIR" ]]; then
    section "stopping shared peers"
    bash scripts/peers/stop-peers.sh "$PEERS_DIR" || note "stop-peers.sh failed (exit $?)"
  fi
}
trap stop_peers EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
section "starting shared peers (scripts/peers/start-peers.sh)"
# RAM-backed when possible: the peers' data is throwaway and fsync-heavy.
PEERS_BASE=/dev/shm
[[ -d "$PEERS_BASE" && -w "$PEERS_BASE" ]] || PEERS_BASE="${TMPDIR:-/tmp}"
PEERS_DIR="$(mktemp -d "$PEERS_BASE/stackyard-peers-XXXXXX")"
if PEER_EXPORTS="$(bash scripts/peers/start-peers.sh "$PEERS_DIR")"; then
  eval "$PEER_EXPORTS"
  # Show what the tests will use, never the credentials.
  note "STACKYARD_TEST_MYSQL_URL=$(printf '%s' "${STACKYARD_TEST_MYSQL_URL:-}" | sed -E 's#//[^@]*@#//***@#')"
  note "STACKYARD_TEST_S3_ENDPOINT=${STACKYARD_TEST_S3_ENDPOINT:-}"
else
  [[ "$CI" == "true" ]] && die "scripts/peers/start-peers.sh failed; CI needs the shared peers"
  note "WARNING: start-peers.sh failed; tests start private peers instead."
fi

# ---- 2. build and lint ------------------------------------------------------------------------
section "build (npm run build)"
t=$SECONDS
# Output of deleted or renamed sources must not be picked up by the test globs. (Pruned file by
# file rather than `rm -rf dist`, so a rebuild never pulls dist/ from under a running suite.)
pruned=0
if [[ -d dist ]]; then
  while IFS= read -r -d '' js; do
    rel="${js#dist/}"
    if [[ ! -f "${rel%.js}.ts" ]]; then
      rm -f "$js" "$js.map"
      pruned=$((pruned + 1))
    fi
  done < <(find dist -name '*.js' -not -path 'dist/test-logs/*' -print0)
fi
((pruned)) && note "removed $pruned compiled file(s) whose source is gone"
npm run build --silent || die "build failed"
SUMMARY+=("build: ok ($((SECONDS - t)) s)")

section "lint (npm run lint)"
t=$SECONDS
if npm run lint --silent; then
  SUMMARY+=("lint: ok ($((SECONDS - t)) s)")
else
  FAILED+=(lint)
  SUMMARY+=("lint: FAILED")
fi

# ---- 3. tests ---------------------------------------------------------------------------------
mkdir -p "$LOG_DIR"
run_tier() { # run_tier <name> <timeout ms per test> <node --test options…> -- <globs…>
  local name="$1" timeout="$2"
  shift 2
  local opts=()
  while [[ "$1" != "--" ]]; do
    opts+=("$1")
    shift
  done
  shift
  local log="$LOG_DIR/$name.log" t=$SECONDS
  section "$name tests"
  node --test --test-reporter=spec --test-timeout="$timeout" "${opts[@]}" "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local tests
  tests="$(grep -E '^ℹ tests [0-9]+' "$log" | tail -n 1 | awk '{print $3}')"
  if [[ $rc -ne 0 ]]; then
    FAILED+=("$name")
    SUMMARY+=("$name: FAILED (exit $rc, $((SECONDS - t)) s) — log: $log")
  elif [[ -z "$tests" || "$tests" == "0" ]]; then
    # A tier that ran nothing is a broken glob or a build that dropped files, not a success.
    FAILED+=("$name")
    SUMMARY+=("$name: FAILED — no tests found")
  else
    SUMMARY+=("$name: ok ($tests tests, $((SECONDS - t)) s)")
  fi
}

for tier in $TIERS; do
  case "$tier" in
    unit) run_tier unit 120000 -- 'dist/apps/**/*.spec.js' 'dist/libs/**/*.spec.js' 'dist/tools/**/*.spec.js' 'dist/e2e/**/*.spec.js' ;;
    integration) run_tier integration 600000 -- 'dist/apps/**/*.integration-spec.js' 'dist/libs/**/*.integration-spec.js' 'dist/tools/**/*.integration-spec.js' ;;
    # One e2e file at a time: each starts a whole suite and drives real CLIs; two cores are the budget.
    e2e) run_tier e2e 1800000 --test-concurrency=1 -- 'dist/e2e/**/*.e2e-spec.js' ;;
    *) die "unknown tier '$tier' in STACKYARD_TEST_TIERS" ;;
  esac
done

# ---- 4. summary -------------------------------------------------------------------------------
# Peers go first, so that the runner's summary lines are the last thing on the screen.
stop_peers
PEERS_DIR=""
section "summary ($((SECONDS - STARTED_AT)) s)"
for line in "${SUMMARY[@]}"; do note "$line"; done
for tier in $TIERS; do
  [[ -f "$LOG_DIR/$tier.log" ]] || continue
  printf '\n    node --test, %s:\n' "$tier"
  grep -E '^ℹ (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ' "$LOG_DIR/$tier.log" | tail -n 8 | sed 's/^/      /'
done
# One plain closing line over every tier, for readers that look only at the last line.
total_pass=0 total_fail=0 total_skip=0
for tier in $TIERS; do
  [[ -f "$LOG_DIR/$tier.log" ]] || continue
  p="$(grep -E '^ℹ pass [0-9]+' "$LOG_DIR/$tier.log" | tail -n 1 | awk '{print $3}')"
  f="$(grep -E '^ℹ fail [0-9]+' "$LOG_DIR/$tier.log" | tail -n 1 | awk '{print $3}')"
  s="$(grep -E '^ℹ skipped [0-9]+' "$LOG_DIR/$tier.log" | tail -n 1 | awk '{print $3}')"
  total_pass=$((total_pass + ${p:-0})) total_fail=$((total_fail + ${f:-0})) total_skip=$((total_skip + ${s:-0}))
done
if ((${#FAILED[@]})); then
  printf '\nFAILED: %s\n' "${FAILED[*]}" >&2
  # A failed step outside the runners (build, lint, a tier without tests) still counts as a failure.
  ((total_fail == 0)) && total_fail=1
  printf 'total: %d passed, %d failed, %d skipped\n' "$total_pass" "$total_fail" "$total_skip"
  exit 1
fi
printf 'total: %d passed, %d failed, %d skipped\n' "$total_pass" "$total_fail" "$total_skip"
