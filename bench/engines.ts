/**
 * Per-engine benchmarks, side by side in one process (issue: JavaScript engine):
 *  - pooled run round trip (acquire a warm engine, run `return 1`, get the outcome) p50/p99;
 *  - sync bridge call (state.get) vs a plain function call in the same language;
 *  - awaited effect overhead: N effects in one step vs calling the same host function N times;
 * Memory (idle engines, 100 concurrent spells) is bench/memory.ts, each engine in its own process.
 * Run: scripts/bench.sh
 */
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { EnginePool } from '../src/engines/pool.ts';
import type { EffectResult } from '../src/runtime/protocol.ts';
import { benchRequest } from './request.ts';

type EngineName = 'lua' | 'javascript' | 'tengo';

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;
const f = (n: number, d = 2) => n.toFixed(d);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ENGINES: EngineName[] = ['lua', 'javascript', 'tengo'];

const hostTool = async (): Promise<EffectResult> => ({ ok: true, value: 1 });
async function timeRun(pool: EnginePool, engine: EngineName, source: string): Promise<number> {
  const t0 = performance.now();
  const outcome = await pool.run(benchRequest(engine, source), { effect: hostTool, checkpoint: () => {} });
  if (outcome.next.type !== 'done') throw new Error(`${engine}: ${JSON.stringify(outcome.next)}`);
  return performance.now() - t0;
}

const N = 100_000;
const EFFECTS = 200;
const sources = {
  lua: {
    empty: 'return 1',
    loop: (body: string) => `state.set("k", 1) local f = function(k) return k end for i = 1, ${N} do ${body} end return 1`,
    get: 'local v = state.get("k")',
    plain: 'local v = f("k")',
    effects: `step("s", function() for i = 1, ${EFFECTS} do tool.call("t", {}) end end) return 1`,
  },
  javascript: {
    empty: 'return 1',
    loop: (body: string) => `state.set("k", 1); const f = (k) => k; for (let i = 0; i < ${N}; i++) { ${body} } return 1`,
    get: 'const v = state.get("k");',
    plain: 'const v = f("k");',
    effects: `await step("s", async () => { for (let i = 0; i < ${EFFECTS}; i++) await tool.call("t", {}); }); return 1`,
  },
  tengo: {
    empty: 'return 1',
    loop: (body: string) => `state.set("k", 1); f := func(k) { return k }; for i := 0; i < ${N}; i++ { ${body} }; return 1`,
    get: 'v := state.get("k")',
    plain: 'v := f("k")',
    effects: `step("s", func() { for i := 0; i < ${EFFECTS}; i++ { tool.call("t", {}) } }); return 1`,
  },
};

/**
 * The floor under a pooled run: one message to an idle worker thread (Lua, Tengo) or child
 * process (JavaScript) and its answer, with no engine, after the same pause as the runs.
 */
async function messageRoundTripMs(kind: 'thread' | 'process'): Promise<number> {
  const echo = `globalThis.port = require('node:worker_threads').parentPort ?? process;
    port.on('message', (m) => (port.postMessage ?? port.send).call(port, { type: 'outcome', id: m.id }));`;
  const host =
    kind === 'thread'
      ? new Worker(echo, { eval: true })
      : spawn(process.execPath, ['-e', echo], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
  const send = (message: unknown) => (host instanceof Worker ? host.postMessage(message) : host.send(message as object));
  const request = benchRequest('lua', 'return 1');
  const times: number[] = [];
  for (let i = 0; i < 220; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    const t0 = performance.now();
    await new Promise((resolve) => {
      host.once('message', resolve);
      send({ type: 'run', id: i, request });
    });
    if (i >= 20) times.push(performance.now() - t0);
  }
  if (host instanceof Worker) await host.terminate();
  else host.kill();
  return median(times);
}

console.log(`llmspell engine benchmarks (${new Date().toISOString()}, Node ${process.version})`);
console.log('');
console.log('engine      run p50   run p99   state.get   plain call   effect overhead   (targets: run p50 <= 0.5 ms; state.get, a bridge call, <= 5 us in Lua, <= 3 us in JavaScript and Tengo)');
for (const engine of ENGINES) {
  const pool = new EnginePool({ maxThreadsPerEngine: 1 });
  const s = sources[engine];
  for (let i = 0; i < 20; i++) await timeRun(pool, engine, s.empty);
  // A pooled engine is made ready between runs; a short pause lets that happen, as between real steps.
  const runs: number[] = [];
  for (let i = 0; i < 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    runs.push(await timeRun(pool, engine, s.empty));
  }
  const empty: number[] = [];
  const get: number[] = [];
  const plain: number[] = [];
  for (let i = 0; i < 5; i++) {
    empty.push(await timeRun(pool, engine, s.loop('')));
    get.push(await timeRun(pool, engine, s.loop(s.get)));
    plain.push(await timeRun(pool, engine, s.loop(s.plain)));
  }
  const getUs = ((median(get) - median(empty)) / N) * 1000;
  const plainUs = ((median(plain) - median(empty)) / N) * 1000;
  // Effects: the same host function called directly, vs awaited from the script through the bridge.
  const direct: number[] = [];
  const bridged: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    for (let k = 0; k < EFFECTS; k++) await hostTool();
    direct.push(performance.now() - t0);
    bridged.push((await timeRun(pool, engine, s.effects)) - median(runs));
  }
  const effectUs = ((median(bridged) - median(direct)) / EFFECTS) * 1000;
  await pool.close();

  console.log(
    `${engine.padEnd(11)} ${f(median(runs)).padStart(6)} ms ${f(pct(runs, 99)).padStart(6)} ms ${f(getUs).padStart(7)} us ${f(plainUs, 3).padStart(9)} us ${f(effectUs).padStart(12)} us`,
  );
}
const [threadMs, processMs] = [await messageRoundTripMs('thread'), await messageRoundTripMs('process')];
console.log(
  `floor under run p50: a message and its answer, no engine, after the same pause: worker thread (Lua, Tengo) ${f(threadMs)} ms, child process (JavaScript) ${f(processMs)} ms`,
);
