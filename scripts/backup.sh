#!/usr/bin/env bash
# Backs up a Stackyard installation into a new dated directory: one SQL dump per service database
# (api, identity, secrets) and a copy of the object store. The key-encryption key (local key file,
# Vault/KMS key) is NOT included: back it up separately (docs/operations.md).
#
# Production-shaped installation (MySQL/MariaDB + S3), configured from the environment, with the
# same variables the services use:
#   STACKYARD_API_DATABASE_URL, STACKYARD_IDENTITY_DATABASE_URL, STACKYARD_SECRETS_DATABASE_URL
#     (each service's STACKYARD_DATABASE_URL: mysql://user:password@host:port/database)
#   STACKYARD_S3_ENDPOINT, STACKYARD_S3_BUCKET, STACKYARD_S3_ACCESS_KEY, STACKYARD_S3_SECRET_KEY,
#   optional STACKYARD_S3_REGION, STACKYARD_S3_PREFIX, STACKYARD_S3_CA_FILE
# Embedded installation (SQLite + disk objects, `npm start`): --data-dir DIR, with the suite stopped.
#
# Usage: scripts/backup.sh [--out DIR] [--data-dir DIR]
#   --out DIR   where the dated backup directory is created (default: ./backups)
# Prints the backup directory as its last line. Stop writes first (scale the api to 0).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="./backups"
data_dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="${2:?--out needs a directory}"; shift 2 ;;
    --data-dir) data_dir="${2:?--data-dir needs a directory}"; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "backup.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

node_bin="${NODE:-node}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
target="$out/stackyard-backup-$stamp"
if [ -e "$target" ]; then echo "backup.sh: $target already exists" >&2; exit 1; fi
umask 077
mkdir -p "$target"
# A failed backup must not look like a good one.
trap 'status=$?; if [ $status -ne 0 ]; then echo "backup.sh: failed; removing the partial $target" >&2; rm -rf "$target"; fi' EXIT

if [ -n "$data_dir" ]; then
  [ -d "$data_dir/db" ] || { echo "backup.sh: $data_dir has no db/ directory (not an embedded data directory?)" >&2; exit 2; }
  # SQLite files are copied as files: the suite must be stopped, or the copy may be torn.
  cp -a "$data_dir/db" "$target/db"
  if [ -d "$data_dir/objects" ]; then cp -a "$data_dir/objects" "$target/objects"; else mkdir "$target/objects"; fi
  printf '{"format":1,"kind":"embedded","createdAt":"%s"}\n' "$stamp" > "$target/backup.json"
else
  dump_bin="$(command -v mariadb-dump || command -v mysqldump || true)"
  [ -n "$dump_bin" ] || { echo "backup.sh: neither mariadb-dump nor mysqldump is installed" >&2; exit 2; }
  options="$(mktemp)"
  trap 'status=$?; rm -f "$options"; if [ $status -ne 0 ]; then echo "backup.sh: failed; removing the partial $target" >&2; rm -rf "$target"; fi' EXIT
  for service in api identity secrets; do
    var="STACKYARD_$(echo "$service" | tr '[:lower:]' '[:upper:]')_DATABASE_URL"
    database="$("$node_bin" "$here/backup/mysql-defaults.cjs" "$var" "$options")"
    # One consistent snapshot per database (InnoDB); no CREATE DATABASE, so it restores into any name.
    "$dump_bin" --defaults-extra-file="$options" --single-transaction --quick --hex-blob --routines --triggers \
      --no-tablespaces --default-character-set=utf8mb4 "$database" > "$target/$service.sql"
    echo "backup.sh: dumped the $service database ($database)" >&2
  done
  count="$("$node_bin" "$here/backup/object-store.cjs" dump "$target/objects")"
  echo "backup.sh: copied $count objects from bucket $STACKYARD_S3_BUCKET" >&2
  printf '{"format":1,"kind":"mysql-s3","createdAt":"%s","objects":%s}\n' "$stamp" "$count" > "$target/backup.json"
fi

(cd "$target" && find . -type f ! -name SHA256SUMS -print0 | sort -z | xargs -0 -r sha256sum > SHA256SUMS)
echo "backup.sh: done. Remember: the key-encryption key is not in this backup; keep its own backup." >&2
echo "$target"
