#!/usr/bin/env bash
# `npm run test:appliance`: the compose cluster for real, in Docker, as the README runs it.
#
#   npm run test:appliance              set up, build, run test/appliance/compose.appliance.ts
#   npm run test:appliance -- --clean   remove the cached stand-in base images (and rtc:local)
#
# 1. Installs what is missing with apt-get (as root): docker.io, debootstrap, docker-compose (v1,
#    used when the `docker compose` plugin is not there), and Maven for the Cassandra jars.
# 2. Starts dockerd when none answers, and stops it on exit (also on failure) only if it started it.
# 3. Builds stand-ins of the base images compose.yaml and the Dockerfile name, from Debian packages
#    and Maven Central, unless real ones or current stand-ins are there (tools/appliance/standins.sh).
# 4. Checks that the Dockerfile builds with BuildKit as well (compose builds it with the legacy builder
#    or BuildKit, depending on the compose version).
# 5. Runs the test: up --build, health, HTTPS through Caddy, WSS, --scale app=2, the README's backup
#    and restore, a restart, the small profile; `down -v` after each, also on failure.
# The compose project is "rtcappliance"; anything of it left from an interrupted run is removed first.
set -euo pipefail
cd "$(dirname "$0")/../.."
PATH="$PWD/node_modules/.bin:$PATH"
export COMPOSE_PROJECT_NAME=rtcappliance

say() { printf '[appliance] %s\n' "$*"; }
started=$SECONDS

clean=false
if [ "${1:-}" = "--clean" ]; then clean=true
elif [ $# -gt 0 ]; then echo "usage: npm run test:appliance [-- --clean]" >&2; exit 2
fi

# 1. Packages.
packages=()
if $clean && ! command -v dockerd >/dev/null; then say "no Docker here; nothing to remove"; exit 0; fi
command -v dockerd >/dev/null || packages+=(docker.io)
$clean || command -v debootstrap >/dev/null || packages+=(debootstrap)
$clean || command -v mvn >/dev/null || packages+=(maven)
if ! $clean && ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null; then packages+=(docker-compose); fi
if [ ${#packages[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    say "missing ${packages[*]}; as root, with Debian's apt-get: apt-get install -y ${packages[*]} && npm run test:appliance" >&2
    exit 1
  fi
  say "installing ${packages[*]} (apt-get)"
  apt_log=$(mktemp)
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=120 "${packages[@]}"; } >"$apt_log" 2>&1; then
    tail -n 30 "$apt_log"; say "apt-get failed (log above)"; exit 1
  fi
  rm -f "$apt_log"
fi
if docker compose version >/dev/null 2>&1; then compose="docker compose"; else compose="docker-compose"; fi
say "compose: $compose ($($compose version --short 2>/dev/null || $compose version | head -1))"

# 2. The Docker engine.
dockerd_pid=""
compose_files=("compose.yaml:test/appliance/local-login.yaml" "compose.yaml:deploy/compose.small.yaml:test/appliance/local-login.yaml")
down_all() { # whatever an interrupted run left of the project
  for files in "${compose_files[@]}"; do
    COMPOSE_FILE=$files $compose --env-file .env.dev down -v --remove-orphans >/dev/null 2>&1 || true
  done
}
finish() {
  local status=$?
  trap - EXIT INT TERM
  if docker info >/dev/null 2>&1; then
    down_all
    local project="label=com.docker.compose.project=$COMPOSE_PROJECT_NAME" left
    left=$( { docker ps -aq --filter "$project" | sed 's/^/container /'; docker volume ls -q --filter "$project" | sed 's/^/volume /'
              docker network ls -q --filter "$project" | sed 's/^/network /'; } 2>&1)
    if [ -n "$left" ]; then say "left behind by the compose project: $(echo $left)"; [ "$status" -ne 0 ] || status=1
    else say "nothing of the compose project $COMPOSE_PROJECT_NAME is left (containers, volumes, networks)"; fi
  fi
  if [ -n "$dockerd_pid" ]; then
    say "stopping the dockerd this run started (pid $dockerd_pid)"
    kill -TERM "$dockerd_pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 1; done
    if kill -0 "$dockerd_pid" 2>/dev/null; then say "dockerd still runs after 30 s; killing it"; kill -KILL "$dockerd_pid"; fi
    [ "$status" -ne 0 ] || rm -f "$dockerd_log"   # kept after a failure, for what dockerd said
  fi
  say "$([ "$status" -eq 0 ] && echo passed || echo "FAILED ($status)") after $((SECONDS - started)) s"
  exit "$status"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if docker info >/dev/null 2>&1; then
  say "a Docker engine answers ($(docker info -f '{{.ServerVersion}}')); it stays running after the test"
else
  [ "$(id -u)" -eq 0 ] || { say "no Docker engine answers, and only root can start one: sudo dockerd &, then npm run test:appliance" >&2; exit 1; }
  dockerd_log=$(mktemp /tmp/rtc-appliance-dockerd.XXXXXX.log)
  say "starting dockerd (log: $dockerd_log)"
  dockerd >"$dockerd_log" 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 1; done
  if ! docker info >/dev/null 2>&1; then tail -n 20 "$dockerd_log"; say "dockerd did not start (log above)"; exit 1; fi
  say "dockerd $(docker info -f '{{.ServerVersion}}') answers (pid $dockerd_pid)"
fi
down_all

if $clean; then
  tools/appliance/standins.sh --clean
  if docker image inspect rtc:local >/dev/null 2>&1; then say "removing rtc:local"; docker rmi rtc:local >/dev/null; fi
  docker image prune -f --filter label=org.opencontainers.image.title=rtc >/dev/null
  docker builder prune -af >/dev/null 2>&1 || true
  say "removed the stand-ins, rtc:local and Docker's build cache"
  exit 0
fi

# 3. Base images.
tools/appliance/standins.sh

# 4. The Dockerfile under BuildKit too (compose v1 builds with the legacy builder). A Docker CLI of
#    23 or later needs the buildx plugin for it; Debian's 20.10 CLI has BuildKit built in.
buildkit=""
if docker buildx version >/dev/null 2>&1; then buildkit="docker buildx build --load"
else
  for cli in $(type -ap docker); do
    major=$("$cli" version -f '{{.Client.Version}}' 2>/dev/null | cut -d. -f1)
    if [ -n "$major" ] && [ "$major" -lt 23 ]; then buildkit="$cli build"; break; fi
  done
fi
if [ -n "$buildkit" ]; then
  say "building the Dockerfile with BuildKit ($buildkit; cached after the first run)"
  build_log=$(mktemp)
  if ! DOCKER_BUILDKIT=1 $buildkit --progress=plain -t rtc:buildkit-check . >"$build_log" 2>&1; then
    tail -n 40 "$build_log"; say "the Dockerfile does not build with BuildKit (log above)"; exit 1
  fi
  rm -f "$build_log"
  say "the Dockerfile builds with BuildKit: $(docker image inspect -f '{{.Size}}' rtc:buildkit-check | numfmt --to=si)B"
  docker rmi rtc:buildkit-check >/dev/null
else
  say "no BuildKit here (no buildx plugin, no Docker CLI older than 23): the BuildKit build is not checked"
fi

# 5. The test. Afterwards, the app images earlier runs built and this one replaced go (the current
#    rtc:local and the build cache stay, for the next run).
RTC_COMPOSE="$compose" vitest run --config test/appliance/vitest.config.ts
docker image prune -f --filter label=org.opencontainers.image.title=rtc >/dev/null
