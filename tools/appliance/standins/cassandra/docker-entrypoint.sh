#!/bin/bash
# The official cassandra image's start-up, as far as compose.yaml relies on it: the CASSANDRA_*
# variables fill cassandra.yaml (listen and broadcast on the container's address, clients on every
# interface, the container as its own seed unless CASSANDRA_SEEDS says otherwise), MAX_HEAP_SIZE and
# HEAP_NEWSIZE size the heap, data lives under /var/lib/cassandra, and it runs as the cassandra user.
set -euo pipefail
if [ "${1:0:1}" = '-' ]; then set -- cassandra -f "$@"; fi
if [ "$1" != cassandra ]; then exec "$@"; fi
if [ "$(id -u)" = 0 ]; then
  find /var/lib/cassandra /var/log/cassandra /etc/cassandra \! -user cassandra -exec chown cassandra:cassandra '{}' +
  exec setpriv --reuid=cassandra --regid=cassandra --init-groups "$0" "$@"
fi

address=$(hostname --ip-address | awk '{print $1}')
listen="${CASSANDRA_LISTEN_ADDRESS:-auto}"; [ "$listen" != auto ] || listen=$address
broadcast="${CASSANDRA_BROADCAST_ADDRESS:-auto}"; [ "$broadcast" != auto ] || broadcast=$listen
rpc_broadcast="${CASSANDRA_BROADCAST_RPC_ADDRESS:-$broadcast}"
seeds="${CASSANDRA_SEEDS:-$broadcast}"
conf=/etc/cassandra/cassandra.yaml
sed -i \
  -e "s|^cluster_name:.*|cluster_name: '${CASSANDRA_CLUSTER_NAME:-Test Cluster}'|" \
  -e "s|^listen_address:.*|listen_address: $listen|" \
  -e "s|^broadcast_address:.*|broadcast_address: $broadcast|" \
  -e "s|^rpc_address:.*|rpc_address: ${CASSANDRA_RPC_ADDRESS:-0.0.0.0}|" \
  -e "s|^broadcast_rpc_address:.*|broadcast_rpc_address: $rpc_broadcast|" \
  -e "s|^num_tokens:.*|num_tokens: ${CASSANDRA_NUM_TOKENS:-16}|" \
  -e "s|^endpoint_snitch:.*|endpoint_snitch: ${CASSANDRA_ENDPOINT_SNITCH:-SimpleSnitch}|" \
  -e "s|seeds: .*|seeds: \"$seeds\"|" \
  "$conf"

heap="${MAX_HEAP_SIZE:-1G}"
flags=(); mapfile -t flags < <(grep -Ev '^[[:space:]]*(#|$)' /etc/cassandra/jvm.options | tr ' ' '\n')
echo "[cassandra stand-in] cassandra-all $(ls /opt/cassandra/lib | sed -n 's/^cassandra-all-\(.*\)\.jar$/\1/p') on $(java -version 2>&1 | head -1), heap $heap, listening on $listen"
# JVM_EXTRA_OPTS: extra JVM flags, appended as the official image's cassandra-env.sh appends them.
extra=(); read -r -a extra <<<"${JVM_EXTRA_OPTS:-}"
exec java -Xms"$heap" -Xmx"$heap" ${HEAP_NEWSIZE:+-Xmn"$HEAP_NEWSIZE"} -XX:MaxDirectMemorySize=512m "${flags[@]}" "${extra[@]}" \
  -javaagent:"$(ls /opt/cassandra/lib/jamm-*.jar | head -1)" \
  -Dcassandra.jmx.local.port=7199 \
  -Dcassandra.config=file:///etc/cassandra/cassandra.yaml \
  -Dlogback.configurationFile=/etc/cassandra/logback.xml \
  -Dcassandra.storagedir=/var/lib/cassandra -Dcassandra.logdir=/var/log/cassandra \
  -cp '/opt/cassandra/lib/*' org.apache.cassandra.service.CassandraDaemon
