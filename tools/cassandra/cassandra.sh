#!/usr/bin/env bash
# One Cassandra node for tests and development, without Docker: jars from Maven Central, Java 17.
#   tools/cassandra/cassandra.sh start    resolve (first time), start, wait until CQL answers
#   tools/cassandra/cassandra.sh stop     stop it (SIGTERM, clean)
#   tools/cassandra/cassandra.sh status   running / stopped, and whether CQL answers
# State lives in $RTC_CASSANDRA_HOME (default ~/.cache/rtc-cassandra): jars, data, logs, pid.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
home="${RTC_CASSANDRA_HOME:-$HOME/.cache/rtc-cassandra}"

pidfile="$home/cassandra.pid"
log="$home/logs/console.log"
host=127.0.0.1
port=9042
start_timeout="${RTC_CASSANDRA_START_TIMEOUT:-240}"

# shellcheck source=common.sh
. "$here/common.sh"
lib="$jars"
cql_answers() { answers_on "$host" "$port"; }
running_pid() { pid_alive "$pidfile"; }

start() {
  if pid=$(running_pid) && cql_answers; then say "already running (pid $pid), CQL answers on $host:$port"; return; fi
  if cql_answers; then say "something already answers on $host:$port; assuming it is a Cassandra node"; return; fi
  resolve
  local java; java=$(java17)
  mkdir -p "$home/data" "$home/logs"
  say "starting one node on $host:$port (heap 1 GB; about 1.5 GB resident)"
  local flags; mapfile -t flags < <(jvm_flags)
  nohup "$java" -Xms512m -Xmx1g -XX:MaxDirectMemorySize=512m "${flags[@]}" \
    -Dcassandra.config="file://$here/cassandra.yaml" \
    -Dcassandra.storagedir="$home/data" -Dcassandra.logdir="$home/logs" \
    -cp "$lib/*" org.apache.cassandra.service.CassandraDaemon >"$log" 2>&1 &
  echo $! >"$pidfile"
  wait_for_cql "$log" "$host" "$port" "$pidfile" "$start_timeout" || exit 1
}

stop() { stop_pidfile "$pidfile" "the node"; }

status() {
  if pid=$(running_pid); then
    if cql_answers; then say "running (pid $pid), CQL answers on $host:$port"; else say "running (pid $pid), CQL not answering yet"; fi
  elif cql_answers; then say "a node not started by this script answers on $host:$port"
  else say "stopped"; return 3
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
