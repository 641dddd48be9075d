/**
 * The committed tengo.wasm is what scripts/build-tengo.sh makes from src/engines/tengo/host:
 * the build runs again (Go is required) and the result must load and run a spell (and be
 * byte-identical when the Go version is the one that built the committed file).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TengoEngineFactory } from '../../../src/engines/tengo/engine.ts';
import { TENGO_WASM } from '../../../src/engines/tengo/wasm.ts';
import { SpellRuntime } from '../../../src/runtime/runtime.ts';
import { DEFAULT_LIMITS, DEFAULT_PRICES } from '../../../src/contract/index.ts';
import type { RunRequest } from '../../../src/runtime/protocol.ts';
import { repoRoot } from '../../helpers/worker.ts';

const info = JSON.parse(readFileSync(new URL('./build-info.json', TENGO_WASM), 'utf8')) as { go: string; tengo: string; sha256: string };
const sha256 = (file: string | URL) => createHash('sha256').update(readFileSync(file)).digest('hex');
const goVersion = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
const haveGo = goVersion.status === 0;

/** Runs one spell on an engine made from `wasm`, in this process. */
async function runWith(wasm: URL, source: string) {
  const engine = await new TengoEngineFactory({ wasmFile: wasm }).create();
  const request: RunRequest = {
    engine: 'tengo',
    source,
    fileName: 'build.tengo',
    input: { n: 20 },
    spell: { id: 'build', runId: 'build', attempt: 1, startedAtMs: 0, seed: 1 },
    chains: { '': [] },
    target: '',
    defaultModel: 'offline:echo',
    prices: DEFAULT_PRICES,
    reportFromCall: 0,
    limits: DEFAULT_LIMITS,
  };
  const runtime = new SpellRuntime(request, { effect: async () => ({ ok: true, value: 22 }), started: () => {}, completed: () => {} });
  await engine.run(request, runtime);
  engine.dispose();
  return (await runtime.stoppedAt).next;
}

describe('tengo.wasm', () => {
  it('is the file build-info.json describes, built from Tengo v2', () => {
    expect(sha256(TENGO_WASM)).toBe(info.sha256);
    expect(info.tengo).toMatch(/^v2\./);
  });

  it('loads and runs a spell', async () => {
    expect(await runWith(TENGO_WASM, 'return spell.input.n + tool.call("add", {})')).toEqual({ type: 'done', result: 42 });
  });

  // Fails, never skips, without Go: a CI without it would stop checking that tengo.wasm is current.
  it('rebuilds from source with Go, and the rebuilt program runs', { timeout: 300_000 }, async () => {
    expect(haveGo, 'the `go` command is needed to check tengo.wasm: scripts/bootstrap.sh says how to get it').toBe(true);
    const out = mkdtempSync(join(tmpdir(), 'tengo-build-'));
    execFileSync('bash', [join(repoRoot, 'scripts/build-tengo.sh'), out], { stdio: 'pipe' });
    const rebuilt = pathToFileURL(join(out, 'tengo.wasm'));
    if (goVersion.stdout.trim() === info.go) {
      // Same toolchain: the committed file must be up to date with the sources.
      expect(sha256(rebuilt), 'tengo.wasm is stale: run scripts/build-tengo.sh and commit it').toBe(info.sha256);
    } else {
      // Another Go version builds another program, with its own glue.
      await import(pathToFileURL(join(out, 'wasm_exec.js')).href);
    }
    expect(await runWith(rebuilt, 'return spell.input.n + tool.call("add", {})')).toEqual({ type: 'done', result: 42 });
    // The conversion rules' own tests (JSON ↔ Tengo values), natively.
    execFileSync('go', ['test', './...'], { cwd: join(repoRoot, 'src/engines/tengo/host'), env: { ...process.env, GOFLAGS: '-mod=mod' }, stdio: 'pipe' });
  });
});
