/**
 * Engine start-up side by side (issue: Tengo engine), in this process:
 *  - program size and compile time of each engine's WebAssembly (Lua: wasmoon's glue.wasm;
 *    Tengo: tengo.wasm), and the time to make one engine ready (instance + runtime start;
 *    for JavaScript, a V8 isolate and context);
 *  - the Tengo VM built for GOOS=js (what the engine uses) vs GOOS=wasip1 (built here when Go
 *    is installed, from bench/tengo-wasip1): size, compile, instantiate + start, and a
 *    synchronous host call from a Tengo loop.
 * Run: scripts/bench.sh
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WASI } from 'node:wasi';
import { LuaEngineFactory } from '../src/engines/lua/engine.ts';
import { JavaScriptEngineFactory } from '../src/engines/javascript/engine.ts';
import { TengoEngineFactory } from '../src/engines/tengo/engine.ts';
import { TENGO_WASM, tengoModule } from '../src/engines/tengo/wasm.ts';
import type { EngineFactory } from '../src/engines/engine.ts';
import { SpellRuntime } from '../src/runtime/runtime.ts';
import { median } from './harness.ts';
import { benchRequest } from './request.ts';

interface Wasm {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: object): Promise<{ exports: Record<string, unknown> }>;
}
const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;
const f = (n: number, d = 1) => n.toFixed(d);
const mb = (bytes: number) => f(bytes / 1024 / 1024, 2);

async function timeCompile(bytes: Uint8Array): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await wasm.compile(bytes);
    times.push(performance.now() - t0);
  }
  return median(times);
}

/**
 * Median time to make an engine ready, each after the last one served a run (as the pool makes
 * them: Tengo sets the next run's API up then); `fresh` gives a new factory each time (no reuse).
 */
async function timeCreate(name: string, factory: () => EngineFactory, fresh = false): Promise<number> {
  const request = benchRequest(name, 'return 1');
  const host = { effect: async () => ({ ok: true as const, value: null }), started: () => {}, completed: () => {} };
  let current = factory();
  (await current.create()).dispose(); // the first pays compilation
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    if (fresh) current = factory();
    const t0 = performance.now();
    const engine = await current.create();
    times.push(performance.now() - t0);
    await engine.run(request, new SpellRuntime(request, host));
    engine.dispose();
  }
  return median(times);
}

console.log(`llmspell engine start-up and Tengo build targets (${new Date().toISOString()}, Node ${process.version})`);
console.log('');
console.log('engine      wasm size   wasm compile   engine ready (made ahead of each run by the pool)');
const luaWasm = readFileSync(join(createRequire(import.meta.url).resolve('wasmoon'), '../glue.wasm'));
const tengoWasm = readFileSync(TENGO_WASM);
const rows: Array<[string, Uint8Array | undefined, () => EngineFactory, string]> = [
  ['lua', luaWasm, () => new LuaEngineFactory(), 'a new Lua state'],
  ['javascript', undefined, () => new JavaScriptEngineFactory(), 'a new isolate and context'],
  ['tengo', tengoWasm, () => new TengoEngineFactory({ compiled: tengoModule() }), 'the Go program reused: a new VM and the API set up per run'],
];
for (const [name, bytes, factory, what] of rows) {
  const size = bytes ? `${mb(bytes.length)} MB` : '—';
  const compile = bytes ? `${f(await timeCompile(bytes))} ms` : '—';
  console.log(`${name.padEnd(11)} ${size.padStart(9)} ${compile.padStart(14)}   ${f(await timeCreate(name, factory), 2)} ms (${what})`);
}
const goStartMs = await timeCreate('tengo', () => new TengoEngineFactory({ compiled: tengoModule() }), true);
console.log(`tengo, a new Go program (first run of a thread, or after a crash or a large heap): ${f(goStartMs, 2)} ms`);

// A Tengo loop calling the host N times, minus the same loop without the call.
const N = 100_000;
const loop = (body: string) => `f := func(k) { return k }; n := 0; for i := 0; i < ${N}; i++ { ${body} }`;

/** Microseconds per call: through the bridge (state.get), and bare (rand.float asks the host for a number). */
async function jsTargetCallUs(): Promise<{ bridge: number; bare: number }> {
  const factory = new TengoEngineFactory({ compiled: tengoModule() });
  const timeRun = async (source: string) => {
    const engine = await factory.create();
    const request = { ...benchRequest('tengo', `rand := import("rand"); state.set("k", "v"); ${source}; return 1`), spell: { id: 'bench', runId: 'bench', attempt: 1, startedAtMs: 0, seed: 1 } };
    const runtime = new SpellRuntime(request, { effect: async () => ({ ok: true, value: null }), started: () => {}, completed: () => {} });
    const t0 = performance.now();
    await engine.run(request, runtime);
    const ms = performance.now() - t0;
    engine.dispose();
    return ms;
  };
  const plain: number[] = [];
  const call: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < 5; i++) {
    plain.push(await timeRun(loop('n = f("k")')));
    call.push(await timeRun(loop('n = state.get("k")')));
    bare.push(await timeRun(loop('n = rand.float()')));
  }
  const us = (xs: number[]) => ((median(xs) - median(plain)) / N) * 1000;
  return { bridge: us(call), bare: us(bare) };
}

console.log('');
console.log('Tengo built for   wasm size   compile     start     sync host call from a Tengo loop');
const jsCompile = await timeCompile(tengoWasm);
const jsStart = goStartMs;
const jsCall = await jsTargetCallUs();
console.log(`GOOS=js          ${mb(tengoWasm.length).padStart(6)} MB ${f(jsCompile).padStart(7)} ms ${f(jsStart, 2).padStart(7)} ms   ${f(jsCall.bare, 2)} us bare; ${f(jsCall.bridge, 2)} us through the bridge (zod, journal runtime)`);

if (spawnSync('go', ['version']).status === 0) {
  const out = mkdtempSync(join(tmpdir(), 'tengo-wasip1-'));
  execFileSync('go', ['build', '-buildmode=c-shared', '-trimpath', '-ldflags=-s -w', '-o', join(out, 'tengo.wasm'), '.'], {
    cwd: join(import.meta.dirname, 'tengo-wasip1'),
    env: { ...process.env, GOOS: 'wasip1', GOARCH: 'wasm', GOFLAGS: '-mod=mod' },
    stdio: 'pipe',
  });
  const bytes = readFileSync(join(out, 'tengo.wasm'));
  const compile = await timeCompile(bytes);
  const module = await wasm.compile(bytes);
  const encoder = new TextEncoder();
  const starts: number[] = [];
  let instance: { exports: Record<string, unknown> } | undefined;
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    const wasi = new WASI({ version: 'preview1', returnOnExit: true });
    let memory: { buffer: ArrayBuffer } | undefined;
    // The host answers synchronously, the only way wasip1 can: "v" for any key.
    const call = (ptr: number, length: number) => {
      new Uint8Array(memory!.buffer, ptr, length);
      new Uint8Array(memory!.buffer, ptr, 1)[0] = 118;
      return 1;
    };
    instance = await wasm.instantiate(module, { wasi_snapshot_preview1: wasi.wasiImport, llmspell: { call } });
    memory = instance.exports.memory as { buffer: ArrayBuffer };
    wasi.initialize(instance as never);
    starts.push(performance.now() - t0);
  }
  const exports = instance!.exports as { memory: { buffer: ArrayBuffer }; buffer(): number; run(length: number): number };
  const runScript = (source: string) => {
    const text = encoder.encode(`${source}; result := 1`);
    new Uint8Array(exports.memory.buffer, exports.buffer(), text.length).set(text);
    const t0 = performance.now();
    if (exports.run(text.length) !== 1) throw new Error('wasip1 run failed');
    return performance.now() - t0;
  };
  const plain: number[] = [];
  const call: number[] = [];
  for (let i = 0; i < 5; i++) {
    plain.push(runScript(loop('n = f("k")')));
    call.push(runScript(loop('n = get("k")')));
  }
  const callUs = ((median(call) - median(plain)) / N) * 1000;
  console.log(`GOOS=wasip1      ${mb(bytes.length).padStart(6)} MB ${f(compile).padStart(7)} ms ${f(median(starts), 2).padStart(7)} ms   ${f(callUs, 2)} us bare (host import)`);
  console.log('wasip1 cannot park a goroutine on a JavaScript Promise: an awaited effect would need the');
  console.log('engine thread blocked (Atomics.wait) or the script re-run per effect; GOOS=js parks the VM');
  console.log('goroutine and returns to the event loop, which is what the engine uses.');
} else {
  console.log('GOOS=wasip1      (Go is not installed: not measured)');
}
// The Go programs made above keep timers of their scheduler: nothing else is left to wait for.
process.exit(0);
