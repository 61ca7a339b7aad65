#!/usr/bin/env bash
# Restores a backup made by scripts/backup.sh: the three service databases and the object store
# (or, for an embedded backup, the data directory's db/ and objects/). Targets must be empty —
# databases without tables, a bucket prefix without objects — unless --force is given, which
# replaces what is there. The key-encryption key is not part of a backup: the secrets service must
# run with the same key (or key provider) as when the backup was made.
#
# Configured like scripts/backup.sh (the services' own variables):
#   STACKYARD_API_DATABASE_URL, STACKYARD_IDENTITY_DATABASE_URL, STACKYARD_SECRETS_DATABASE_URL,
#   STACKYARD_S3_ENDPOINT, STACKYARD_S3_BUCKET, STACKYARD_S3_ACCESS_KEY, STACKYARD_S3_SECRET_KEY,
#   optional STACKYARD_S3_REGION, STACKYARD_S3_PREFIX, STACKYARD_S3_CA_FILE
# or --data-dir DIR for an embedded installation (stopped).
#
# Usage: scripts/restore.sh BACKUP_DIR [--force] [--data-dir DIR]
# The databases must exist (as for a fresh install); the bucket is created when missing.
# Stop the services first; start them (or `helm upgrade`, which runs the migrations Job) after.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
backup=""
force=""
data_dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --force) force="--force"; shift ;;
    --data-dir) data_dir="${2:?--data-dir needs a directory}"; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    -*) echo "restore.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) [ -z "$backup" ] || { echo "restore.sh: one backup directory only" >&2; exit 2; }; backup="$1"; shift ;;
  esac
done
[ -n "$backup" ] || { echo "usage: scripts/restore.sh BACKUP_DIR [--force] [--data-dir DIR]" >&2; exit 2; }
[ -f "$backup/backup.json" ] || { echo "restore.sh: $backup is not a backup (no backup.json)" >&2; exit 2; }
node_bin="${NODE:-node}"

# A damaged or partial backup is refused before anything is touched.
(cd "$backup" && sha256sum --quiet --check SHA256SUMS) || { echo "restore.sh: $backup fails its checksums (SHA256SUMS)" >&2; exit 2; }

if [ -n "$data_dir" ]; then
  grep -q '"kind":"embedded"' "$backup/backup.json" || { echo "restore.sh: $backup is not an embedded backup" >&2; exit 2; }
  for part in db objects; do
    if [ -d "$data_dir/$part" ] && [ -n "$(ls -A "$data_dir/$part")" ]; then
      [ -n "$force" ] || { echo "restore.sh: $data_dir/$part is not empty; pass --force to replace it" >&2; exit 3; }
      rm -rf "${data_dir:?}/$part"
    fi
  done
  mkdir -p "$data_dir"
  cp -a "$backup/db" "$data_dir/db"
  cp -a "$backup/objects" "$data_dir/objects"
  echo "restore.sh: restored $backup into $data_dir" >&2
  exit 0
fi

grep -q '"kind":"mysql-s3"' "$backup/backup.json" || { echo "restore.sh: $backup is not a MySQL/S3 backup (use --data-dir for an embedded one)" >&2; exit 2; }
client_bin="$(command -v mariadb || command -v mysql || true)"
[ -n "$client_bin" ] || { echo "restore.sh: neither the mariadb nor the mysql client is installed" >&2; exit 2; }
options="$(mktemp)"
trap 'rm -f "$options"' EXIT
sql() { "$client_bin" --defaults-extra-file="$options" --batch --skip-column-names "$@"; }

# Check every target before changing any, so a refusal leaves everything as it was.
declare -A databases
for service in api identity secrets; do
  var="STACKYARD_$(echo "$service" | tr '[:lower:]' '[:upper:]')_DATABASE_URL"
  databases[$service]="$("$node_bin" "$here/backup/mysql-defaults.cjs" "$var" "$options")"
  tables="$(sql "${databases[$service]}" -e 'SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()')"
  if [ "$tables" != "0" ] && [ -z "$force" ]; then
    echo "restore.sh: database ${databases[$service]} ($service) already has $tables tables; restore only into an empty database, or pass --force to replace it" >&2
    exit 3
  fi
done
if [ -z "$force" ]; then
  existing="$("$node_bin" "$here/backup/object-store.cjs" count)"
  if [ "$existing" != "0" ]; then
    echo "restore.sh: bucket $STACKYARD_S3_BUCKET already holds $existing objects; restore only into an empty one, or pass --force to replace them" >&2
    exit 3
  fi
fi

for service in api identity secrets; do
  var="STACKYARD_$(echo "$service" | tr '[:lower:]' '[:upper:]')_DATABASE_URL"
  database="$("$node_bin" "$here/backup/mysql-defaults.cjs" "$var" "$options")"
  if [ -n "$force" ]; then
    # Tables the backup does not have must go too, or a newer schema would linger beside the old.
    drops="$(sql "$database" -e "SELECT CONCAT('DROP TABLE IF EXISTS \`', REPLACE(table_name, '\`', '\`\`'), '\`;') FROM information_schema.tables WHERE table_schema = DATABASE()")"
    if [ -n "$drops" ]; then printf 'SET FOREIGN_KEY_CHECKS=0;\n%s\n' "$drops" | sql "$database"; fi
  fi
  sql "$database" < "$backup/$service.sql"
  echo "restore.sh: restored the $service database ($database)" >&2
done
count="$("$node_bin" "$here/backup/object-store.cjs" restore "$backup/objects" $force)"
echo "restore.sh: restored $count objects into bucket $STACKYARD_S3_BUCKET" >&2
