#!/usr/bin/env bash
# A local Cassandra cluster for fault runs and operations practice, from the single node's jars (common.sh):
# node N listens on 127.0.0.(N+1) with the usual ports (storage 7000, CQL 9042), so it never meets the
# single node of cassandra.sh on 127.0.0.1; JMX (for nodetool) on 127.0.0.1:720N. Node 1 is the seed.
#   tools/cassandra/cluster.sh start [N…]     start nodes 1–3 (or the ones named), wait until CQL answers
#   tools/cassandra/cluster.sh stop [N…]      stop them cleanly (SIGTERM; a paused node is resumed first)
#   tools/cassandra/cluster.sh status         each node: running, paused or stopped, and whether CQL answers
#   tools/cassandra/cluster.sh kill N         SIGKILL: a crash, mid-whatever
#   tools/cassandra/cluster.sh pause N        SIGSTOP: a node that hangs (a long GC, a stuck disk)
#   tools/cassandra/cluster.sh resume N       SIGCONT
#   tools/cassandra/cluster.sh restart N      stop (clean) and start again
#   tools/cassandra/cluster.sh add N          start a new node N (4, 5…) that bootstraps into the ring
#   tools/cassandra/cluster.sh replace N      start node N afresh (its data wiped) in place of its dead self
#   tools/cassandra/cluster.sh nodetool N …   nodetool against node N (status, repair rtc, decommission…)
#   tools/cassandra/cluster.sh destroy        stop every node and delete the cluster's data
# State lives in $RTC_CASSANDRA_CLUSTER_HOME (default ~/.cache/rtc-cassandra-cluster): a directory per node.
# The app: CASSANDRA_CONTACT_POINTS=127.0.0.2,127.0.0.3,127.0.0.4 CASSANDRA_REPLICATION=datacenter1:3
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
home="${RTC_CASSANDRA_CLUSTER_HOME:-$HOME/.cache/rtc-cassandra-cluster}"
start_timeout="${RTC_CASSANDRA_START_TIMEOUT:-300}"
say_as=cluster
# shellcheck source=common.sh
. "$here/common.sh"

DC=datacenter1
SEED=127.0.0.2
NODES=(1 2 3)
# Evenly spread Murmur3 tokens for the first three nodes; nodes added later are given theirs by the allocator.
TOKENS=(-9223372036854775808 -3074457345618258603 3074457345618258602)

addr() { echo "127.0.0.$(($1 + 1))"; }
dir() { echo "$home/node$1"; }
pidfile() { echo "$(dir "$1")/cassandra.pid"; }
jmx_port() { echo $((7200 + $1)); }
check_node() { [[ "$1" =~ ^[1-9]$ ]] || { echo "node must be 1–9 (got \"$1\")" >&2; exit 2; }; }
state() { # running | paused | stopped
  local pid; pid=$(pid_alive "$(pidfile "$1")") || { echo stopped; return; }
  if [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = T ]; then echo paused; else echo running; fi
}

write_conf() { # $1 node, $2 auto_bootstrap
  local n=$1 d; d=$(dir "$1")
  mkdir -p "$d/data" "$d/logs"
  local token=""
  if [ "$n" -le 3 ]; then token="initial_token: ${TOKENS[$((n - 1))]}"; fi
  cat >"$d/cassandra.yaml" <<YAML
# Node $n of the local cluster (written by tools/cassandra/cluster.sh; 5.0 rejects unknown keys).
cluster_name: 'rtc cluster'
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: GossipingPropertyFileSnitch
num_tokens: 1
$token
allocate_tokens_for_local_replication_factor: 3
auto_bootstrap: $2
listen_address: $(addr "$n")
rpc_address: $(addr "$n")
storage_port: 7000
native_transport_port: 9042
start_native_transport: true
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "$SEED:7000"
commitlog_sync: periodic
commitlog_sync_period: 10000ms
commitlog_segment_size: 8MiB
auto_snapshot: false
concurrent_compactors: 1
memtable_heap_space: 64MiB
memtable_offheap_space: 64MiB
hinted_handoff_enabled: true
max_hint_window: 3h
YAML
  printf 'dc=%s\nrack=rack1\n' "$DC" >"$d/cassandra-rackdc.properties"
}

launch() { # $1 node, then extra JVM flags
  local n=$1; shift
  local d; d=$(dir "$n")
  if [ "$(state "$n")" != stopped ]; then say "node $n ($(addr "$n")) is already $(state "$n")"; return; fi
  if answers_on "$(addr "$n")" 9042; then say "something not started by this script answers on $(addr "$n"):9042"; exit 1; fi
  local java; java=$(java17)
  local flags; mapfile -t flags < <(jvm_flags)
  say "starting node $n on $(addr "$n") (heap 512 MB)"
  nohup "$java" -Xms256m -Xmx512m -XX:MaxDirectMemorySize=256m "${flags[@]}" "$@" \
    -Dcassandra.config="file://$d/cassandra.yaml" \
    -Dcassandra-rackdc.properties="file://$d/cassandra-rackdc.properties" \
    -Dcassandra.storagedir="$d/data" -Dcassandra.logdir="$d/logs" \
    -Dcassandra.jmx.local.port="$(jmx_port "$n")" \
    -cp "$jars/*" org.apache.cassandra.service.CassandraDaemon >>"$d/logs/console.log" 2>&1 &
  echo $! >"$(pidfile "$n")"
}

await() { # $1 node
  local d; d=$(dir "$1")
  wait_for_cql "$d/logs/console.log" "$(addr "$1")" 9042 "$(pidfile "$1")" "$start_timeout"
}

# Only the lines of this start: the log is appended to across restarts.
fresh_log() { local f; f="$(dir "$1")/logs/console.log"; [ -f "$f" ] && mv "$f" "$f.prev"; return 0; }

start() {
  resolve
  local nodes=("$@"); [ ${#nodes[@]} -gt 0 ] || nodes=("${NODES[@]}")
  for n in "${nodes[@]}"; do check_node "$n"; done
  # The seed first when it is among them (the others gossip through it), then the rest together.
  local rest=()
  for n in "${nodes[@]}"; do
    [ "$(state "$n")" = paused ] && { say "node $n is paused; resume it instead"; continue; }
    [ "$(state "$n")" = running ] && { say "node $n ($(addr "$n")) already running"; continue; }
    # Nodes 1–3 form the cluster from nothing (no data to stream); later nodes bootstrap.
    [ -f "$(dir "$n")/cassandra.yaml" ] || write_conf "$n" "$([ "$n" -le 3 ] && echo false || echo true)"
    if [ "$(addr "$n")" = "$SEED" ]; then fresh_log "$n"; launch "$n"; await "$n" || exit 1; else rest+=("$n"); fi
  done
  for n in "${rest[@]}"; do fresh_log "$n"; launch "$n"; done
  for n in "${rest[@]}"; do await "$n" || exit 1; done
}

stop() {
  local nodes=("$@"); [ ${#nodes[@]} -gt 0 ] || nodes=($(ls -d "$home"/node* 2>/dev/null | sed 's/.*node//' | sort -rn))
  for n in "${nodes[@]}"; do check_node "$n"; stop_pidfile "$(pidfile "$n")" "node $n ($(addr "$n"))"; done
}

status() {
  local any=1
  for d in "$home"/node*; do
    [ -d "$d" ] || continue
    local n=${d##*node} s; s=$(state "$n")
    [ "$s" = stopped ] || any=0
    local cql=no; answers_on "$(addr "$n")" 9042 && cql=yes
    say "node $n $(addr "$n"): $s$([ "$s" = stopped ] || echo " (pid $(cat "$(pidfile "$n")"))"), CQL answers: $cql"
  done
  return $((any * 3))
}

signal() { # $1 signal, $2 node
  check_node "$2"
  local pid; pid=$(pid_alive "$(pidfile "$2")") || { say "node $2 is not running"; exit 1; }
  kill "-$1" "$pid"
  say "node $2 ($(addr "$2")): SIG$1 sent to pid $pid"
}

nodetool() { # $1 node, then nodetool's arguments
  check_node "$1"; local n=$1; shift
  local flags; mapfile -t flags < <(jvm_flags)
  "$(java17)" -Xmx128m "${flags[@]}" -Dcassandra.logdir="$home/nodetool" -cp "$jars/*" org.apache.cassandra.tools.NodeTool -h 127.0.0.1 -p "$(jmx_port "$n")" "$@"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  status) status ;;
  kill) signal KILL "${2:?node}" ;;
  pause) signal STOP "${2:?node}" ;;
  resume) signal CONT "${2:?node}" ;;
  restart) check_node "${2:?node}"; stop "$2"; start "$2" ;;
  add) check_node "${2:?node}"; [ -f "$(dir "$2")/cassandra.yaml" ] || write_conf "$2" true; start "$2" ;;
  replace)
    check_node "${2:?node}"; n=$2
    [ "$(state "$n")" = stopped ] || { say "node $n is $(state "$n"); it must be dead to be replaced"; exit 1; }
    say "wiping node $n's data; it comes back as a new node that streams what it held from the others"
    rm -rf "$(dir "$n")/data"; write_conf "$n" true
    fresh_log "$n"; launch "$n" -Dcassandra.replace_address_first_boot="$(addr "$n")"; await "$n" ;;
  nodetool) shift; nodetool "$@" ;;
  destroy) stop; rm -rf "$home"; say "removed $home" ;;
  *) sed -n '2,17p' "$0" >&2; exit 2 ;;
esac
