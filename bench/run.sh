#!/usr/bin/env bash
# Raises the open-file limit to what the process may have, pins the load generator to core 1
# (the servers under test go to core 0), then runs bench/run.ts with the given arguments.
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n "$(ulimit -Hn)"
npm run --silent build:static
if command -v taskset >/dev/null; then exec taskset -c 1 node --import tsx bench/run.ts "$@"; fi
exec node --import tsx bench/run.ts "$@"
