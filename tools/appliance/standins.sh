#!/usr/bin/env bash
# Stand-ins for the base images compose.yaml and the Dockerfile name, for a machine that can reach
# Debian's mirror, Maven Central and the npm registry but no image registry. Each is built from
# Debian packages (a `debootstrap --variant=minbase bookworm` root, imported) under the official
# image's name and tag, and honours the parts of that image's interface compose.yaml relies on:
#
#   node:20-bookworm-slim  Debian root + this machine's Node 20 and npm, a `node` user (uid 1000)
#   postgres:16-alpine     Debian's PostgreSQL 15: POSTGRES_USER/PASSWORD/DB, PGDATA, pg_isready
#   redis:7-alpine         Debian's Redis 7: /data, `redis-server` as the command, redis-cli
#   cassandra:5.0          Debian's OpenJDK 17 + cassandra-all 5.0 from Maven Central: CASSANDRA_*,
#                          MAX_HEAP_SIZE/HEAP_NEWSIZE, /var/lib/cassandra, nodetool
#   caddy:2                Debian's Caddy 2: /etc/caddy/Caddyfile, /data, /config
#
#   tools/appliance/standins.sh          build what is missing or out of date (a rebuild is skipped
#                                        when the image's rtc.standin label matches its recipe's hash)
#   tools/appliance/standins.sh --clean  remove every stand-in (and the Debian root image)
#
# A tag that already holds an image without the rtc.standin label is a real image (pulled from a
# registry): it is used as it is and never replaced.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
base=rtc-standin/debian:bookworm
label=rtc.standin

say() { printf '[standins] %s\n' "$*"; }
# name:tag -> recipe directory
declare -A recipes=(
  [node:20-bookworm-slim]=node
  [postgres:16-alpine]=postgres
  [redis:7-alpine]=redis
  [cassandra:5.0]=cassandra
  [caddy:2]=caddy
)

label_of() { docker image inspect -f "{{ index .Config.Labels \"$label\" }}" "$1" 2>/dev/null || true; }
exists() { docker image inspect "$1" >/dev/null 2>&1; }
hash_of() { # files and directories -> one sha256
  find "$@" -type f -print0 | sort -z | xargs -0 sha256sum | sed "s#  $repo/#  #" | sha256sum | cut -c1-16
}

if [ "${1:-}" = "--clean" ]; then
  for image in "${!recipes[@]}" "$base"; do
    if [ -n "$(label_of "$image")" ]; then say "removing the stand-in $image"; docker rmi "$image" >/dev/null
    elif exists "$image"; then say "$image is not a stand-in; left alone"
    fi
  done
  exit 0
fi

# The Debian root every stand-in starts from. Its hash covers this script's debootstrap recipe.
build_base() {
  local want; want="base-$(sed -n '/^build_base() {/,/^}/p' "$0" | sha256sum | cut -c1-16)"
  if [ "$(label_of "$base")" = "$want" ]; then say "$base is current (debootstrap root, $want)"; return; fi
  command -v debootstrap >/dev/null || { say "debootstrap is missing: apt-get install debootstrap"; exit 1; }
  local root; root=$(mktemp -d)
  say "debootstrap --variant=minbase bookworm from $mirror (about a minute)"
  if ! debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1; then
    tail -n 20 "$root.log"; rm -rf "$root" "$root.log"; say "debootstrap failed (log above)"; exit 1
  fi
  rm -f "$root.log"
  # As Debian's own container images: security updates, no services started by packages, no
  # recommends, no package caches, documentation and translations left out.
  cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"; chmod +x "$root/usr/sbin/policy-rc.d"
  cat >"$root/etc/apt/apt.conf.d/90standin" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
EOF
  cat >"$root/etc/dpkg/dpkg.cfg.d/90standin" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
EOF
  find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  rm -rf "$root"/usr/share/{man,info,locale}/* "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/var/log/*.log
  tar -C "$root" -c . | docker import \
    --change "LABEL $label=$want" --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' --change 'CMD ["bash"]' - "$base" >/dev/null
  rm -rf "$root"
  say "$base built ($(docker image inspect -f '{{.Size}}' "$base" | numfmt --to=si)B)"
}

# What a recipe takes from this machine: `inputs_NAME` prints what identifies it (part of the
# recipe's hash, so a change rebuilds), `context_NAME DIR` copies it into the build context.
node_bin() { readlink -f "$(command -v node)"; }
npm_dir() { dirname "$(dirname "$(readlink -f "$(command -v npm)")")"; }
# npm ci in the Dockerfile's stages must reach the registry the way this machine does (some networks
# answer through a proxy with a certificate authority of their own): the stand-in trusts this
# machine's certificate bundle as Node's extra CAs. The official image trusts Node's own list.
ca_bundle() { echo "${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}"; }
inputs_node() {
  local node; node=$(node_bin)
  "$node" -e 'process.exit(process.versions.node.split(".")[0] === "20" ? 0 : 1)' \
    || { say "node:20-bookworm-slim needs this machine's node to be Node 20 (it is $("$node" --version))"; exit 1; }
  # The Debian root has glibc, libstdc++ and libgcc; a node linked against anything else cannot run there.
  local other; other=$(ldd "$node" | awk '{print $1}' | grep -Ev '^(linux-vdso\.|/lib64/ld-linux|lib(c|m|dl|pthread|rt|stdc\+\+|gcc_s)\.so)' || true)
  [ -z "$other" ] || { say "$node links libraries the Debian root lacks: $other"; exit 1; }
  sha256sum "$node" "$(npm_dir)/package.json" "$(ca_bundle)" | cut -c1-64
}
context_node() {
  cp "$(node_bin)" "$1/node"
  cp -a "$(npm_dir)" "$1/npm"
  cp "$(ca_bundle)" "$1/ca-certificates.crt"
}
# The jars of tools/cassandra/pom.xml (cassandra-all 5.0 and its dependencies, pinned there), from
# Maven Central through ~/.m2, and the JVM flags and logging the test node of tools/cassandra uses.
inputs_cassandra() { cat "$repo/tools/cassandra/pom.xml" "$repo/tools/cassandra/jvm.options" "$repo/tools/cassandra/logback.xml" | sha256sum; }
context_cassandra() {
  command -v mvn >/dev/null || { say "cassandra:5.0 needs Maven to fetch its jars: apt-get install maven"; exit 1; }
  local log; log=$(mktemp)
  if ! mvn -B -q -f "$repo/tools/cassandra/pom.xml" org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
      -DoutputDirectory="$1/lib" -DincludeScope=runtime >"$log" 2>&1; then
    tail -n 30 "$log"; rm -f "$log"; say "fetching the Cassandra jars failed (log above)"; exit 1
  fi
  rm -f "$log"
  cp "$repo/tools/cassandra/jvm.options" "$repo/tools/cassandra/logback.xml" "$1/"
}

build_standin() { # image
  local image=$1 name=${recipes[$1]} dir="$here/standins/${recipes[$1]}" inputs="" want have
  # The hash covers the recipe, the Debian root it starts from, and what it takes from this machine.
  if declare -F "inputs_$name" >/dev/null; then inputs=$("inputs_$name"); fi
  want="$(label_of "$base")-$(printf '%s\n%s\n' "$(hash_of "$dir")" "$inputs" | sha256sum | cut -c1-16)"
  have=$(label_of "$image")
  if [ "$have" = "$want" ]; then say "$image is current (stand-in $want)"; return; fi
  if [ -z "$have" ] && exists "$image"; then say "$image is a real image (no $label label): using it as it is"; return; fi
  say "building the stand-in $image from $dir"
  local ctx log; ctx=$(mktemp -d); log=$(mktemp)
  cp -a "$dir/." "$ctx/"
  if declare -F "context_$name" >/dev/null; then "context_$name" "$ctx"; fi
  if ! DOCKER_BUILDKIT=0 docker build --force-rm --label "$label=$want" -t "$image" "$ctx" >"$log" 2>&1; then
    tail -n 40 "$log"; rm -rf "$ctx" "$log"; say "building $image failed (log above)"; exit 1
  fi
  rm -rf "$ctx" "$log"
  say "$image built ($(docker image inspect -f '{{.Size}}' "$image" | numfmt --to=si)B)"
}

started=$SECONDS
build_base
for image in node:20-bookworm-slim postgres:16-alpine redis:7-alpine cassandra:5.0 caddy:2; do build_standin "$image"; done
docker image prune -f --filter "label=$label" >/dev/null   # the untagged images older recipes left
say "STAND-INS, not the official images: node:20-bookworm-slim, postgres:16-alpine, redis:7-alpine, cassandra:5.0 and caddy:2 are built here from Debian bookworm packages (PostgreSQL 15, Redis 7.0, OpenJDK 17, Caddy 2.6) and Maven Central (cassandra-all 5.0) under the official names ($((SECONDS - started)) s; remove them with npm run test:appliance -- --clean)"
