# Sourced by cassandra.sh (one node) and cluster.sh (three): the jars, Java 17 and the JVM flags they share.
# Expects: $here (this directory). Sets: $jars (the resolved jars, shared by every node).
jars="${RTC_CASSANDRA_JARS:-${RTC_CASSANDRA_HOME:-$HOME/.cache/rtc-cassandra}/lib}"

say() { printf '[%s] %s\n' "${say_as:-cassandra}" "$*"; }

# True when something accepts TCP on host $1 port $2.
answers_on() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# The pid in file $1 when that process is alive.
pid_alive() {
  [ -f "$1" ] || return 1
  local pid; pid=$(cat "$1")
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

# cassandra-all and its dependencies from Maven Central, once.
resolve() {
  if [ -f "$jars/.complete" ]; then return; fi
  say "resolving cassandra-all from Maven Central into $jars (about 70 MB, once)"
  mkdir -p "$jars"
  mvn -B -q -f "$here/pom.xml" org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
    -DoutputDirectory="$jars" -DincludeScope=runtime
  touch "$jars/.complete"
}

# The JVM flags every node shares: jvm.options (Cassandra 5.0's conf/jvm-server.options and
# jvm17-server.options as they matter here, also read by the cassandra:5.0 stand-in image), the jamm
# agent and the logging configuration; the heap is each caller's. Prints one per line.
jvm_flags() {
  local jamm; jamm=$(ls "$jars"/jamm-*.jar | head -1)
  grep -Ev '^[[:space:]]*(#|$)' "$here/jvm.options" | tr ' ' '\n'
  # C1 only: a node that starts sooner and spends no core on C2 compiling during a short test run, but costs
  # more CPU per write once warm (bench:cassandra measures both), so never for the benchmark or a real deployment.
  if [ "${RTC_CASSANDRA_QUICK_JIT:-}" = 1 ]; then echo -XX:TieredStopAtLevel=1; fi
  printf '%s\n' -javaagent:"$jamm" -Dlogback.configurationFile="$here/logback.xml" -Dcassandra.load_ring_state=false
}

# Waits until log $1 says CQL is up and $2:$3 accepts, while pidfile $4's process lives; at most $5 s.
wait_for_cql() {
  local log=$1 host=$2 port=$3 pidfile=$4 timeout=$5 waited=0
  until grep -q 'Starting listening for CQL clients' "$log" 2>/dev/null && answers_on "$host" "$port"; do
    if ! pid_alive "$pidfile" >/dev/null; then say "the node on $host exited during start-up; last lines of $log:"; tail -n 30 "$log"; return 1; fi
    if [ "$waited" -ge "$timeout" ]; then say "no CQL on $host:$port after ${timeout}s; last lines of $log:"; tail -n 30 "$log"; return 1; fi
    sleep 2; waited=$((waited + 2))
  done
  say "CQL answers on $host:$port after ${waited}s (pid $(cat "$pidfile"))"
}

# Sends SIGTERM to pidfile $1's process, waits up to 60 s, then SIGKILL.
stop_pidfile() {
  local pidfile=$1 what=$2 pid
  if pid=$(pid_alive "$pidfile"); then
    say "stopping $what (pid $pid)"
    kill -CONT "$pid" 2>/dev/null || true
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; say "$what stopped"; return; }; sleep 1; done
    say "$what still running after 60 s; killing"; kill -KILL "$pid"; rm -f "$pidfile"
  else
    say "$what not running"; rm -f "$pidfile"
  fi
}
