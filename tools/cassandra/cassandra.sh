#!/usr/bin/env bash
# One Cassandra node for tests and development, without Docker: jars from Maven Central, Java 17.
#   tools/cassandra/cassandra.sh start    resolve (first time), start, wait until CQL answers
#   tools/cassandra/cassandra.sh stop     stop it (SIGTERM, clean)
#   tools/cassandra/cassandra.sh status   running / stopped, and whether CQL answers
# State lives in $RTC_CASSANDRA_HOME (default ~/.cache/rtc-cassandra): jars, data, logs, pid.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
home="${RTC_CASSANDRA_HOME:-$HOME/.cache/rtc-cassandra}"
lib="$home/lib"
pidfile="$home/cassandra.pid"
log="$home/logs/console.log"
host=127.0.0.1
port=9042
start_timeout="${RTC_CASSANDRA_START_TIMEOUT:-240}"

say() { printf '[cassandra] %s\n' "$*"; }
cql_answers() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }
running_pid() {
  [ -f "$pidfile" ] || return 1
  local pid; pid=$(cat "$pidfile")
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

java17() {
  if [ -n "${JAVA_HOME:-}" ] && "$JAVA_HOME/bin/java" -version 2>&1 | grep -q 'version "17'; then echo "$JAVA_HOME/bin/java"; return; fi
  for candidate in java /usr/lib/jvm/java-17-openjdk-amd64/bin/java /usr/lib/jvm/temurin-17-jdk-amd64/bin/java; do
    if command -v "$candidate" >/dev/null && "$candidate" -version 2>&1 | grep -q 'version "17'; then echo "$candidate"; return; fi
  done
  say "Java 17 is needed (Cassandra 5.0 runs on 11 or 17; 24+ removed the security manager it installs)" >&2
  exit 1
}

resolve() {
  if [ -f "$lib/.complete" ]; then return; fi
  say "resolving cassandra-all from Maven Central into $lib (about 70 MB, once)"
  mkdir -p "$lib"
  mvn -B -q -f "$here/pom.xml" org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
    -DoutputDirectory="$lib" -DincludeScope=runtime
  touch "$lib/.complete"
}

start() {
  if pid=$(running_pid) && cql_answers; then say "already running (pid $pid), CQL answers on $host:$port"; return; fi
  if cql_answers; then say "something already answers on $host:$port; assuming it is a Cassandra node"; return; fi
  resolve
  local java; java=$(java17)
  mkdir -p "$home/data" "$home/logs"
  local jamm; jamm=$(ls "$lib"/jamm-*.jar | head -1)
  say "starting one node on $host:$port (heap 1 GB; about 1.5 GB resident)"
  local flags; mapfile -t flags < <(grep -Ev '^[[:space:]]*(#|$)' "$here/jvm.options" | tr ' ' '\n')
  nohup "$java" -Xms512m -Xmx1g -XX:MaxDirectMemorySize=512m "${flags[@]}" \
    -javaagent:"$jamm" \
    -Dcassandra.config="file://$here/cassandra.yaml" \
    -Dlogback.configurationFile="$here/logback.xml" \
    -Dcassandra.storagedir="$home/data" -Dcassandra.logdir="$home/logs" \
    -Dcassandra.load_ring_state=false \
    -cp "$lib/*" org.apache.cassandra.service.CassandraDaemon >"$log" 2>&1 &
  echo $! >"$pidfile"
  local waited=0
  until grep -q 'Starting listening for CQL clients' "$log" 2>/dev/null && cql_answers; do
    if ! running_pid >/dev/null; then say "the node exited during start-up; last lines of $log:"; tail -n 30 "$log"; exit 1; fi
    if [ "$waited" -ge "$start_timeout" ]; then say "no CQL after ${start_timeout}s; last lines of $log:"; tail -n 30 "$log"; exit 1; fi
    sleep 2; waited=$((waited + 2))
  done
  say "CQL answers on $host:$port after ${waited}s (pid $(cat "$pidfile"))"
}

stop() {
  if pid=$(running_pid); then
    say "stopping pid $pid"
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; say "stopped"; return; }; sleep 1; done
    say "still running after 60 s; killing"; kill -KILL "$pid"; rm -f "$pidfile"
  else
    say "not running"
  fi
}

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
