#!/usr/bin/env bash
# `npm test`: make sure of what the suites need, then type-check and run them.
# Arguments go to vitest, so `npm test -- test/chat.e2e.test.ts` runs one file.
#
# The suites need PostgreSQL on 127.0.0.1:5432 (user postgres, no password), Redis on
# 127.0.0.1:6379, a Cassandra node on 127.0.0.1:9042, and Debian's chromium, caddy,
# docker-compose and openssl. PostgreSQL and Redis are started when stopped and installed when
# missing, as are the packages; that needs root and apt-get, and without them this stops with
# one message saying what to run. The Cassandra node from tools/cassandra is started when none
# answers, and stopped on exit only if this run started it: a node someone else runs is theirs.
# TEST_POSTGRES_URL, TEST_REDIS_URL, TEST_CASSANDRA_CONTACT_POINTS and CHROMIUM_PATH point the
# suites elsewhere; the matching local service or package is then left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$PWD/node_modules/.bin:$PATH"

say() { printf '[test] %s\n' "$*"; }
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() { # port, seconds
  local waited=0
  until answers "$1"; do
    [ "$waited" -lt "$2" ] || return 1
    sleep 1; waited=$((waited + 1))
  done
}
pg_version() { ls /etc/postgresql 2>/dev/null | sort -V | tail -1; }
pg_start() { pg_ctlcluster --skip-systemctl-redirect "$(pg_version)" main start; }
redis_start() {
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
}

# Look first, so that a machine missing several things hears about all of them at once.
packages=()   # Debian packages to install
stopped=()    # local services to start: PostgreSQL, Redis

if [ -n "${TEST_POSTGRES_URL:-}" ]; then say "PostgreSQL: TEST_POSTGRES_URL is set; leaving the local server alone"
elif answers 5432; then say "PostgreSQL answers on 127.0.0.1:5432"
else stopped+=(PostgreSQL); [ -n "$(pg_version)" ] || packages+=(postgresql)
fi

if [ -n "${TEST_REDIS_URL:-}" ]; then say "Redis: TEST_REDIS_URL is set; leaving the local server alone"
elif answers 6379; then say "Redis answers on 127.0.0.1:6379"
else stopped+=(Redis); command -v redis-server >/dev/null || packages+=(redis-server)
fi

# Whether this run starts a Cassandra node is decided again just before it does: set-up may
# install packages for minutes, and someone may start the shared node meanwhile.
cassandra_here() { [ -z "${TEST_CASSANDRA_CONTACT_POINTS:-}" ]; }
cassandra_stopped() { ! answers 9042 && ! tools/cassandra/cassandra.sh status >/dev/null 2>&1; }
if cassandra_here && cassandra_stopped; then
  command -v java >/dev/null || packages+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null || packages+=(maven)
fi

[ -n "${CHROMIUM_PATH:-}" ] || [ -x /usr/bin/chromium ] || packages+=(chromium)
[ -x /usr/bin/caddy ] || packages+=(caddy)
[ -x /usr/bin/docker-compose ] || packages+=(docker-compose)
command -v openssl >/dev/null || packages+=(openssl)
[ ${#packages[@]} -gt 0 ] || say "chromium, caddy, docker-compose and openssl are installed"

if [ ${#packages[@]} -gt 0 ] || [ ${#stopped[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] || { [ ${#packages[@]} -gt 0 ] && ! command -v apt-get >/dev/null; }; then
    steps=()
    [ ${#packages[@]} -eq 0 ] || steps+=("apt-get install -y ${packages[*]}")
    [[ " ${stopped[*]} " != *" PostgreSQL "* ]] || steps+=('pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start')
    [[ " ${stopped[*]} " != *" Redis "* ]] || steps+=('redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log')
    missing=${packages[*]:-}; missing=${missing// /, }
    down=${stopped[*]:-}; down=${down// /, }
    say "cannot set up as $(id -un)${missing:+: missing Debian packages $missing}${down:+; not running: $down}." \
      "As root (with Debian's apt-get), run: $(printf '%s && ' "${steps[@]}")npm test" >&2
    exit 1
  fi
fi

if [ ${#packages[@]} -gt 0 ]; then
  say "installing ${packages[*]} (apt-get)"
  apt_log=$(mktemp)
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=120 "${packages[@]}"; } >"$apt_log" 2>&1; then
    tail -n 30 "$apt_log"; say "apt-get failed (log above)"; exit 1
  fi
  rm -f "$apt_log"
  if [[ " ${packages[*]} " == *" postgresql "* ]]; then
    # A new Debian cluster asks for passwords over TCP; the suites connect as postgres without one.
    hba="/etc/postgresql/$(pg_version)/main/pg_hba.conf"
    say "letting postgres in over loopback without a password ($hba)"
    printf 'host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust\n' | cat - "$hba" >"$hba.new"
    chown --reference="$hba" "$hba.new"; chmod --reference="$hba" "$hba.new"; mv "$hba.new" "$hba"
    if answers 5432; then pg_ctlcluster --skip-systemctl-redirect "$(pg_version)" main reload; fi
  fi
fi

for service in "${stopped[@]}"; do
  case "$service" in
    PostgreSQL) say "starting PostgreSQL"; answers 5432 || pg_start; wait_for 5432 30 || { say "PostgreSQL did not start"; exit 1; } ;;
    Redis) say "starting Redis"; answers 6379 || redis_start; wait_for 6379 30 || { say "Redis did not start"; exit 1; } ;;
  esac
done

if ! cassandra_here; then say "Cassandra: TEST_CASSANDRA_CONTACT_POINTS is set; leaving the local node alone"
elif answers 9042; then say "Cassandra answers on 127.0.0.1:9042"
elif ! cassandra_stopped; then
  timeout="${RTC_CASSANDRA_START_TIMEOUT:-240}"
  say "a Cassandra node is starting (tools/cassandra/cassandra.sh status); waiting up to ${timeout}s for 127.0.0.1:9042"
  waited=0
  until answers 9042; do
    if cassandra_stopped || [ "$waited" -ge "$timeout" ]; then say "Cassandra did not answer on 127.0.0.1:9042 (see tools/cassandra/cassandra.sh status)"; exit 1; fi
    sleep 1; waited=$((waited + 1))
  done
else
  trap 'tools/cassandra/cassandra.sh stop' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  RTC_CASSANDRA_QUICK_JIT=1 tools/cassandra/cassandra.sh start
fi

npm run build:static
tsc --noEmit
deno check src/deno.ts
vitest run "$@"
