#!/usr/bin/env bash
# Starts one MariaDB and one versitygw in the background for a whole test run, so the suites reuse
# them instead of each starting its own (the launchers in libs/shared/testing read these variables):
#   eval "$(scripts/peers/start-peers.sh "$RUN_DIR")"    # prints export STACKYARD_TEST_* lines
#   ...run the suites...
#   "$RUN_DIR/stop"                                      # or scripts/peers/stop-peers.sh "$RUN_DIR"
# Everything (data, logs, pids, env) lives under the directory given as $1; only 127.0.0.1 is bound.
source "$(dirname "$0")/lib.sh"
HERE="$(cd "$(dirname "$0")" && pwd)"
[[ $# -ge 1 && -n "$1" ]] || { log "usage: start-peers.sh <run-dir>"; exit 2; }
mkdir -p "$1"; DIR="$(cd "$1" && pwd)"
if [[ -s "$DIR/pids" ]]; then log "$DIR already has peers (pids file present); run stop-peers.sh $DIR first"; exit 1; fi
umask 077
touch "$DIR/.stackyard-peers"   # marker: stop-peers.sh only deletes directories that carry it
# A failed start must not leave half the peers running: stop whatever was started (data kept for a look).
STARTED=0
trap '[[ $STARTED == 1 ]] || bash "$HERE/stop-peers.sh" "$DIR" --keep-data' EXIT

find_bin() {
  command -v "$1" 2>/dev/null && return 0
  local d; for d in /usr/local/sbin /usr/sbin /sbin; do [[ -x "$d/$1" ]] && { echo "$d/$1"; return 0; }; done
  return 1
}
need() { find_bin "$1" || { log "missing $1: run scripts/peers/$2 first"; exit 1; }; }
free_port() {
  # A random high port that nothing answers on; bash's /dev/tcp avoids needing extra tools.
  local p; for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  log "no free port found"; exit 1
}
http_ok() ( # GET http://127.0.0.1:$1$2 and succeed on a 200 status line (subshell: a failed exec must not end the script)
  { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || exit 1
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&3
  IFS= read -r -t 2 line <&3 || exit 1
  [[ "$line" == *" 200 "* ]]
)
wait_for() { # wait_for <what> <pid> <log> <command…>
  local what="$1" pid="$2" logf="$3"; shift 3
  for _ in $(seq 1 600); do
    "$@" >/dev/null 2>&1 && return 0
    if ! kill -0 "$pid" 2>/dev/null; then log "$what exited during start-up; last log lines:"; tail -n 30 "$logf" >&2; exit 1; fi
    sleep 0.1
  done
  log "$what not ready after 60 s; last log lines:"; tail -n 30 "$logf" >&2; exit 1
}
random_secret() { head -c 18 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='; }

# --- MariaDB (test-peers.md §1) ---
MARIADBD="$(need mariadbd mariadb.sh)"; INSTALL_DB="$(need mariadb-install-db mariadb.sh)"; MARIADB="$(need mariadb mariadb.sh)"
MDIR="$DIR/mariadb"; mkdir -p "$MDIR"
USER_ARGS=(); [[ "$(id -u)" -eq 0 ]] && USER_ARGS=(--user=root)
"$INSTALL_DB" --no-defaults --datadir="$MDIR/data" "${USER_ARGS[@]}" --auth-root-authentication-method=normal \
  --skip-test-db --skip-name-resolve >"$MDIR/install.log" 2>&1 || { log "mariadb-install-db failed:"; tail -n 30 "$MDIR/install.log" >&2; exit 1; }
MPORT="$(free_port)"
"$MARIADBD" --no-defaults --datadir="$MDIR/data" "${USER_ARGS[@]}" --socket="$MDIR/mysqld.sock" --pid-file="$MDIR/mysqld.pid" \
  --bind-address=127.0.0.1 --port="$MPORT" --skip-log-bin --skip-name-resolve --innodb-buffer-pool-size=128M \
  --innodb-flush-log-at-trx-commit=0 --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
  --default-time-zone=+00:00 --max-connections=1000 \
  --sql-mode=STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION \
  --log-error="$MDIR/error.log" </dev/null >"$MDIR/stdout.log" 2>&1 &
MPID=$!
echo "mariadb $MPID" >>"$DIR/pids"
wait_for "mariadbd on 127.0.0.1:$MPORT" "$MPID" "$MDIR/error.log" "$MARIADB" --no-defaults -uroot -h127.0.0.1 -P"$MPORT" -e 'SELECT 1'
MPASS="$(random_secret)"
# Same privileges as startMariadb's app user: data and schema on every database, no administration.
"$MARIADB" --no-defaults -uroot -h127.0.0.1 -P"$MPORT" -e "
  CREATE USER 'stackyard'@'%' IDENTIFIED BY '$MPASS';
  GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX, REFERENCES, CREATE TEMPORARY TABLES, LOCK TABLES,
        EXECUTE, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, EVENT, TRIGGER ON *.* TO 'stackyard'@'%';
  CREATE DATABASE stackyard CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
log "MariaDB $("$MARIADBD" --version | awk '{print $3}') on 127.0.0.1:$MPORT (pid $MPID, data $MDIR)"

# --- versitygw (test-peers.md §2) ---
VGW="$(bash "$HERE/versitygw.sh")"
VDIR="$DIR/versitygw"; mkdir -p "$VDIR/data" "$VDIR/versions" "$VDIR/meta"
S3_ACCESS="test-$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')"; S3_SECRET="$(random_secret)"
start_vgw() { # $@: extra posix flags
  VPORT="$(free_port)"
  # Credentials through the environment so they do not show in `ps`.
  ROOT_ACCESS_KEY_ID="$S3_ACCESS" ROOT_SECRET_ACCESS_KEY="$S3_SECRET" VGW_REGION=us-east-1 \
    "$VGW" --port "127.0.0.1:$VPORT" --health /health --quiet posix --versioning-dir "$VDIR/versions" "$@" "$VDIR/data" \
    </dev/null >>"$VDIR/versitygw.log" 2>&1 &
  VPID=$!
  echo "versitygw $VPID" >>"$DIR/pids"
}
start_vgw
for attempt in $(seq 1 600); do
  http_ok "$VPORT" /health && break
  if ! kill -0 "$VPID" 2>/dev/null; then
    if grep -q 'xattr check failed' "$VDIR/versitygw.log" && [[ "${SIDECAR:-}" != 1 ]]; then
      log "no user xattrs on $VDIR: keeping versitygw metadata in a sidecar directory"
      SIDECAR=1; start_vgw --sidecar "$VDIR/meta"; continue
    fi
    log "versitygw exited during start-up; last log lines:"; tail -n 30 "$VDIR/versitygw.log" >&2; exit 1
  fi
  [[ "$attempt" -lt 600 ]] || { log "versitygw not ready after 60 s"; tail -n 30 "$VDIR/versitygw.log" >&2; exit 1; }
  sleep 0.1
done
log "versitygw on 127.0.0.1:$VPORT (pid $VPID, data $VDIR)"

cat >"$DIR/env" <<ENV
export STACKYARD_TEST_MYSQL_URL='mysql://stackyard:$MPASS@127.0.0.1:$MPORT/stackyard'
export STACKYARD_TEST_S3_ENDPOINT='http://127.0.0.1:$VPORT'
export STACKYARD_TEST_S3_ACCESS_KEY='$S3_ACCESS'
export STACKYARD_TEST_S3_SECRET_KEY='$S3_SECRET'
export STACKYARD_TEST_S3_REGION='us-east-1'
ENV
printf '#!/usr/bin/env bash\nexec bash %q %q "$@"\n' "$HERE/stop-peers.sh" "$DIR" >"$DIR/stop"
chmod 700 "$DIR/stop"
STARTED=1
cat "$DIR/env"
