#!/usr/bin/env bash
# rtc's operator commands (src/ops/cli.ts) with the app's environment, for backup.sh and restore.sh:
#   deploy/ops.sh cassandra-export <file> | cassandra-import <file>
# From a checkout with its dev dependencies it runs the source; in the image (or after npm run build), dist/.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
if [ -f "$here/src/ops/cli.ts" ] && [ -d "$here/node_modules/tsx" ]; then cd "$here" && exec node --import tsx src/ops/cli.ts "$@"; fi
exec node "$here/dist/ops/cli.js" "$@"
