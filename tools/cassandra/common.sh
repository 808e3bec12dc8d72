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

# The flags of Cassandra 5.0's conf/jvm-server.options and jvm17-server.options, less the heap
# (each caller sizes it); prints one per line.
jvm_flags() {
  local jamm; jamm=$(ls "$jars"/jamm-*.jar | head -1)
  printf '%s\n' \
    -Xss256k -XX:+UseG1GC -XX:+PerfDisableSharedMem -XX:TieredStopAtLevel=1 \
    -Djava.net.preferIPv4Stack=true -Dchronicle.analytics.disable=true -Djdk.attach.allowAttachSelf=true \
    --add-exports java.base/jdk.internal.misc=ALL-UNNAMED \
    --add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED \
    --add-exports java.management/com.sun.jmx.remote.security=ALL-UNNAMED \
    --add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED --add-exports java.rmi/sun.rmi.server=ALL-UNNAMED \
    --add-exports java.sql/java.sql=ALL-UNNAMED --add-exports java.base/java.lang.ref=ALL-UNNAMED \
    --add-exports jdk.unsupported/sun.misc=ALL-UNNAMED --add-exports jdk.attach/sun.tools.attach=ALL-UNNAMED \
    --add-exports jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED \
    --add-opens jdk.compiler/com.sun.tools.javac=ALL-UNNAMED --add-opens java.base/java.lang.module=ALL-UNNAMED \
    --add-opens java.base/jdk.internal.loader=ALL-UNNAMED --add-opens java.base/jdk.internal.ref=ALL-UNNAMED \
    --add-opens java.base/jdk.internal.reflect=ALL-UNNAMED --add-opens java.base/jdk.internal.math=ALL-UNNAMED \
    --add-opens java.base/jdk.internal.module=ALL-UNNAMED --add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED \
    --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED \
    --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/java.io=ALL-UNNAMED \
    --add-opens java.base/java.lang.reflect=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED \
    --add-opens java.base/java.util=ALL-UNNAMED --add-opens java.base/java.nio=ALL-UNNAMED \
    -Dio.netty.tryReflectionSetAccessible=true \
    -javaagent:"$jamm" \
    -Dcassandra-foreground=yes \
    -Dlogback.configurationFile="$here/logback.xml" \
    -Dcassandra.skip_wait_for_gossip_to_settle=0 -Dcassandra.load_ring_state=false \
    -Dcassandra.superuser_setup_delay_ms=0
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
