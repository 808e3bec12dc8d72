#!/usr/bin/env bash
# Backs up one rtc installation into one dated archive: PostgreSQL (pg_dump, custom format), the
# Cassandra message store when CASSANDRA_CONTACT_POINTS is set (its rows as JSON lines, through the
# app's own driver), and DATA_DIR/uploads when it exists. Keeps the newest BACKUP_KEEP archives.
#
#   deploy/backup.sh [directory]          (default ./backups; reads the app's environment)
#
# Needs pg_dump of the server's major version or newer, and node with the built app (dist/) or
# this checkout's dev dependencies. Under docker compose, run it in the app's environment, e.g.
#   docker compose exec -T postgres pg_dump -U rtc -Fc rtc > postgres.dump
# and see "Backups and restore" in docs/operations.md for the compose walk-through.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:-./backups}"
keep="${BACKUP_KEEP:-7}"
: "${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database to back up}"

say() { printf '[backup] %s\n' "$*"; }

stamp=$(date -u +%Y%m%dT%H%M%SZ)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$dest" "$work/rtc-$stamp"

say "PostgreSQL: pg_dump (custom format)"
pg_dump --format=custom --no-owner --no-privileges --file="$work/rtc-$stamp/postgres.dump" "$DATABASE_URL"

if [ -n "${CASSANDRA_CONTACT_POINTS:-}" ]; then
  say "Cassandra: keyspace ${CASSANDRA_KEYSPACE:-rtc}"
  "$here/deploy/ops.sh" cassandra-export "$work/rtc-$stamp/cassandra.jsonl"
fi

if [ -d "${DATA_DIR:-./data}/uploads" ]; then
  say "uploads: ${DATA_DIR:-./data}/uploads"
  tar -C "${DATA_DIR:-./data}" -cf "$work/rtc-$stamp/uploads.tar" uploads
fi

archive="$dest/rtc-$stamp.tar.gz"
tar -C "$work" -czf "$archive.partial" "rtc-$stamp"
mv "$archive.partial" "$archive"
say "wrote $archive ($(du -h "$archive" | cut -f1))"

# Retention: the newest $keep archives stay.
ls -1t "$dest"/rtc-*.tar.gz 2>/dev/null | tail -n +"$((keep + 1))" | while read -r old; do
  say "removing $old (keeping the newest $keep)"
  rm -f "$old"
done
