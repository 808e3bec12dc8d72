#!/usr/bin/env bash
# Restores an archive made by deploy/backup.sh into the installation the environment names:
# PostgreSQL with pg_restore (--clean: what the archive holds replaces what is there), the Cassandra
# message store (tables made if missing, rows written back), and DATA_DIR/uploads.
# Stop the app first; start it again after.
#
#   deploy/restore.sh backups/rtc-20261128T120000Z.tar.gz
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
archive="${1:?usage: deploy/restore.sh <archive.tar.gz>}"
: "${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database to restore into}"

say() { printf '[restore] %s\n' "$*"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xzf "$archive"
dir=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'rtc-*' | head -1)
[ -n "$dir" ] || { say "$archive holds no rtc-* directory"; exit 1; }

say "PostgreSQL: pg_restore into the database of DATABASE_URL"
pg_restore --clean --if-exists --no-owner --no-privileges --exit-on-error --dbname="$DATABASE_URL" "$dir/postgres.dump"

if [ -f "$dir/cassandra.jsonl" ]; then
  [ -n "${CASSANDRA_CONTACT_POINTS:-}" ] || { say "the archive holds Cassandra messages but CASSANDRA_CONTACT_POINTS is not set"; exit 1; }
  say "Cassandra: keyspace ${CASSANDRA_KEYSPACE:-rtc}"
  "$here/deploy/ops.sh" cassandra-import "$dir/cassandra.jsonl"
fi

if [ -f "$dir/uploads.tar" ]; then
  say "uploads: ${DATA_DIR:-./data}/uploads"
  mkdir -p "${DATA_DIR:-./data}"
  tar -C "${DATA_DIR:-./data}" -xf "$dir/uploads.tar"
fi
say "done; start the app"
