#!/bin/bash
# The official postgres image's start-up, as far as compose.yaml relies on it: the first start makes
# the cluster from POSTGRES_USER (default postgres), POSTGRES_PASSWORD and POSTGRES_DB (default the
# user's name); later starts use what PGDATA holds. Runs postgres as the postgres user.
set -euo pipefail
if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi
if [ "$1" != postgres ]; then exec "$@"; fi
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA"; chown postgres:postgres "$PGDATA"; chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?is not set: the official image refuses to start without it, and so does this stand-in}"
  user="${POSTGRES_USER:-postgres}"
  db="${POSTGRES_DB:-$user}"
  echo "[postgres stand-in] making the cluster in $PGDATA: superuser $user, database $db"
  initdb --username="$user" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 -D "$PGDATA" >/dev/null
  printf "listen_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
  printf 'host all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
  if [ "$db" != postgres ]; then
    printf 'CREATE DATABASE "%s";\n' "${db//\"/\"\"}" | postgres --single -j -D "$PGDATA" postgres >/dev/null
  fi
fi
exec "$@"
