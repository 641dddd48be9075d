#!/usr/bin/env bash
# Builds the Tengo engine: the real Tengo VM (github.com/d5/tengo/v2) and the Go host in
# src/engines/tengo/host, compiled with GOOS=js GOARCH=wasm. Writes, next to engine.ts:
#   tengo.wasm       the program
#   wasm_exec.js     Go's JavaScript glue, from the same Go toolchain (they must match)
#   build-info.json  the Go and Tengo versions and the wasm's sha256
# The outputs are committed so users need no Go; test/engines/tengo/build.test.ts rebuilds
# them where Go is installed. Usage: scripts/build-tengo.sh [OUT_DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
host="$root/src/engines/tengo/host"
out="${1:-$root/src/engines/tengo}"
mkdir -p "$out"
cd "$host"
export GOOS=js GOARCH=wasm GOFLAGS=-mod=mod
# -trimpath and no build ids: the same sources and Go version give the same bytes.
go build -trimpath -buildvcs=false -ldflags='-s -w -buildid=' -o "$out/tengo.wasm" .
cp "$(go env GOROOT)/lib/wasm/wasm_exec.js" "$out/wasm_exec.js"
cat > "$out/build-info.json" <<JSON
{
  "go": "$(go env GOVERSION)",
  "tengo": "$(go list -m -f '{{.Version}}' github.com/d5/tengo/v2)",
  "sha256": "$(sha256sum "$out/tengo.wasm" | cut -d' ' -f1)"
}
JSON
echo "built $out/tengo.wasm ($(wc -c < "$out/tengo.wasm") bytes)" >&2
