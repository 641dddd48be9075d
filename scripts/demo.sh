#!/usr/bin/env bash
# Bootstraps and runs examples/hello.lua end to end on the local model (SmolLM2-135M via
# llama.cpp): a local Temporal dev server (database under .llmspell/, reused by later runs),
# an in-process worker, live step lines, the result.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/bootstrap.sh"
exec "$root/llmspell" run "$root/examples/hello.lua" --input '{"name":"Ada"}' --model local:smollm2 "$@"
