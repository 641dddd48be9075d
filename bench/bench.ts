/**
 * llmspell benchmarks, measured side by side in one process against one Temporal dev server:
 *  (a) a 50-step spell of instant effects (offline model: local activities) vs a hand-written
 *      workflow making the same 50 activity calls; and the same spell on a model that is not
 *      quick (one regular activity per call);
 *  (b) the cost of a sync bridge call (state.get) from Lua vs a plain Lua function call;
 *  (c) the share of a 200-step spell's time spent re-executing recorded calls.
 * Run: scripts/bench.sh
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { generateText } from 'ai';
import { startSpell } from '../src/client.ts';
import { EnginePool } from '../src/engines/pool.ts';
import { DEFAULT_LIMITS, DEFAULT_PRICES } from '../src/contract/index.ts';
import type { RunRequest } from '../src/runtime/protocol.ts';
import { createModelResolver, providerOf } from '../src/models/registry.ts';
import { OfflineEchoModel } from '../src/models/offline.ts';
import { runFromHistory } from '../src/activities/history.ts';
import type { JournalEntry } from '../src/journal/types.ts';
import { median, startBench } from './harness.ts';

const fmt = (n: number, digits = 2) => n.toFixed(digits);
// `bench:echo` answers like the offline model but is not quick: each call is a regular activity.
const benchProviders = { bench: providerOf({ echo: new OfflineEchoModel() }) };
const bench = await startBench({ providers: benchProviders });
const { client, native, taskQueue: spellQueue } = bench;
const baseQueue = `bench-base-${randomUUID()}`;
const model = createModelResolver().languageModel('offline:echo');
const baseWorker = await Worker.create({
  connection: native,
  taskQueue: baseQueue,
  workflowsPath: join(import.meta.dirname, 'workflows.ts'),
  activities: { generate: async (prompt: string) => (await generateText({ model, prompt, maxRetries: 0 })).text },
});
const running = baseWorker.run();

const stepsSource = (n: number, model = 'offline:echo') => `
  local last
  for i = 1, ${n} do last = llm.generate{ model = "${model}", prompt = "step " .. i } end
  return last.text
`;

async function timeSpell(steps: number, model?: string, taskQueue = spellQueue): Promise<{ ms: number; workflowId: string }> {
  const t0 = performance.now();
  const handle = await startSpell(client, { source: stepsSource(steps, model), fileName: `bench-${steps}.lua`, engine: 'lua', taskQueue });
  const result = await handle.result();
  if (result !== `echo: step ${steps}`) throw new Error(`unexpected result ${String(result)}`);
  return { ms: performance.now() - t0, workflowId: handle.workflowId };
}

async function timeHandWritten(steps: number): Promise<number> {
  const t0 = performance.now();
  const result = await client.workflow.execute('handWritten', { taskQueue: baseQueue, workflowId: `base-${randomUUID()}`, args: [steps] });
  if (result !== `echo: step ${steps}`) throw new Error(`unexpected result ${String(result)}`);
  return performance.now() - t0;
}

// (a) 50 steps, alternating so both see the same server state; first round warms up.
await timeSpell(50);
await timeHandWritten(50);
const spellMs: number[] = [];
const baseMs: number[] = [];
const regularMs: number[] = [];
for (let round = 0; round < 5; round++) {
  spellMs.push((await timeSpell(50)).ms);
  baseMs.push(await timeHandWritten(50));
  regularMs.push((await timeSpell(50, 'bench:echo')).ms);
}
const ratioA = median(spellMs) / median(baseMs);

// (b) sync bridge call cost, in an engine thread like a real run.
const request = (source: string, journal: JournalEntry[] = []): RunRequest => ({
  engine: 'lua',
  source,
  fileName: 'bench.lua',
  input: null,
  spell: { id: 'bench', runId: 'bench', attempt: 1, startedAtMs: Date.now(), seed: 1 },
  chains: { '': journal },
  target: '',
  defaultModel: 'offline:echo',
  prices: DEFAULT_PRICES,
  reportFromCall: 0,
  limits: { ...DEFAULT_LIMITS, timeoutMs: 60_000 },
});
// Runs from the top every time: (b) and (c) time the script itself, not a run kept between executions.
const benchPool = new EnginePool({ maxThreadsPerEngine: 1, keepRuns: false });
const noEffects = { effect: async () => ({ ok: true as const, value: null }), checkpoint: () => {} };
async function timeRun(source: string, journal?: JournalEntry[]): Promise<number> {
  const t0 = performance.now();
  await benchPool.run(request(source, journal), noEffects);
  return performance.now() - t0;
}
const N = 200_000;
const loop = (body: string) => `state.set("k", 1) local f = function(k) return k end for i = 1, ${N} do ${body} end return 1`;
for (let i = 0; i < 3; i++) await timeRun(loop('local v = state.get("k")'));
const emptyMs: number[] = [];
const bridgeMs: number[] = [];
const plainMs: number[] = [];
for (let i = 0; i < 5; i++) {
  emptyMs.push(await timeRun(loop('')));
  bridgeMs.push(await timeRun(loop('local v = state.get("k")')));
  plainMs.push(await timeRun(loop('local v = f("k")')));
}
const perBridgeUs = ((median(bridgeMs) - median(emptyMs)) / N) * 1000;
const perPlainUs = ((median(plainMs) - median(emptyMs)) / N) * 1000;

// (c) re-execution share of a 200-step spell of regular activities (one execution each). The
// worker keeps a run stopped at a boundary, so each execution takes it up where the last stopped;
// an execution that re-executes from the top replays the journal so far: its calls are counted.
const countsBefore = { ...bench.pool.executions };
const big = await timeSpell(200, 'bench:echo');
const executions = bench.pool.executions.total - countsBefore.total;
const resumed = bench.pool.executions.resumed - countsBefore.resumed;
const replayedCalls = bench.pool.executions.replayedCalls - countsBefore.replayedCalls;
// The same spell on a second worker whose pool re-executes every step from the top, alternating.
const fromTop = await bench.startWorker({ providers: benchProviders, pool: { keepRuns: false } });
const keptMs: number[] = [big.ms];
const fromTopMs200: number[] = [];
for (let round = 0; round < 2; round++) {
  fromTopMs200.push((await timeSpell(200, 'bench:echo', fromTop.taskQueue)).ms);
  if (round > 0) keptMs.push((await timeSpell(200, 'bench:echo')).ms);
}
await fromTop.stop();
const journal = (await runFromHistory(await client.workflow.getHandle(big.workflowId).fetchHistory(), client.options.loadedDataConverter)).chains['']!;
// What re-executing every step from the top would cost: each execution timed against a fresh run
// (no journal) right after it (one fresh run timed once made the share 0.1% or 8-10% depending on
// the minute it ran in). Its cost per replayed call prices the calls the run really replayed.
let scriptMs = 0;
let freshMs = 0;
for (let k = 0; k < journal.length; k++) {
  scriptMs += await timeRun(stepsSource(200, 'bench:echo'), journal.slice(0, k));
  freshMs += await timeRun(stepsSource(200, 'bench:echo'), []);
}
const fromTopMs = Math.max(0, scriptMs - freshMs);
const perReplayMs = fromTopMs / ((journal.length * (journal.length - 1)) / 2);
const replayMs = replayedCalls * perReplayMs;

// (d) history per model call (regular activities): 5 and 10 calls, so that what one more call
// adds shows apart from the run's fixed events; the same for the hand-written workflow.
const historyOf = async (workflowId: string) => {
  const info = (await client.workflow.getHandle(workflowId).describe()).raw.workflowExecutionInfo!;
  return { events: Number(info.historyLength), bytes: Number(info.historySizeBytes) };
};
const spellHistory = async (calls: number) => historyOf((await timeSpell(calls, 'bench:echo')).workflowId);
const baseHistory = async (calls: number) => {
  const workflowId = `bench-base-h-${randomUUID()}`;
  await client.workflow.execute('handWritten', { taskQueue: baseQueue, workflowId, args: [calls] });
  return historyOf(workflowId);
};
const [spell5, spell10, base5, base10] = [await spellHistory(5), await spellHistory(10), await baseHistory(5), await baseHistory(10)];
const perCall = (five: { events: number; bytes: number }, ten: { events: number; bytes: number }) => ({ events: (ten.events - five.events) / 5, bytes: (ten.bytes - five.bytes) / 5 });

console.log(`llmspell benchmarks (${new Date().toISOString()}, Node ${process.version}, ${(await import('node:os')).cpus().length} cores)`);
console.log('');
console.log('(a) 50-step spell of instant effects vs hand-written workflow (50 activities), median of 5');
console.log(`    spell ${fmt(median(spellMs), 0)} ms · hand-written ${fmt(median(baseMs), 0)} ms · ratio ${fmt(ratioA, 3)}x (target <= 0.3x)`);
console.log(`    the same 50 calls on a model that is not quick (a regular activity each): ${fmt(median(regularMs), 0)} ms · ${fmt(median(regularMs) / median(baseMs), 3)}x the hand-written workflow`);
console.log('(b) sync bridge call from Lua, state.get, 200k calls');
console.log(`    state.get ${fmt(perBridgeUs)} us/call · plain Lua function ${fmt(perPlainUs, 3)} us/call (target <= 5 us)`);
console.log('(c) journal re-execution in a 200-step spell');
console.log(
  `    total ${fmt(big.ms, 0)} ms · ${executions} executions, ${resumed} took the run up where the last stopped · ${replayedCalls} calls replayed` +
    ` (${fmt(perReplayMs * 1000, 1)} us each) = ${fmt(replayMs, 0)} ms = ${fmt((replayMs / big.ms) * 100, 1)}% (target <= 5%)`,
);
console.log(
  `    re-executing every step from the top instead: replaying ${fmt(fromTopMs, 0)} ms = ${fmt((fromTopMs / big.ms) * 100, 1)}% of that run` +
    ` · all script time incl. engine hand-off ${fmt((scriptMs / big.ms) * 100, 1)}%`,
);
console.log(
  `    the whole run, alternating with a worker that re-executes from the top: ${keptMs.map((ms) => fmt(ms, 0)).join(', ')} ms vs ${fromTopMs200.map((ms) => fmt(ms, 0)).join(', ')} ms` +
    ` (${fmt(median(keptMs) / median(fromTopMs200), 3)}x)`,
);
console.log('(d) history per model call (regular activities), what a sixth to tenth call adds');
console.log(
  `    spell ${perCall(spell5, spell10).events} events / ${fmt(perCall(spell5, spell10).bytes, 0)} bytes per call (5 calls: ${spell5.events} events / ${spell5.bytes} bytes)` +
    ` · hand-written workflow ${perCall(base5, base10).events} events / ${fmt(perCall(base5, base10).bytes, 0)} bytes per call (5 calls: ${base5.events} / ${base5.bytes})`,
);
console.log('    target: no more than @temporalio/ai-sdk on the same calls: measured side by side by bench/aisdk.ts');

await benchPool.close();
baseWorker.shutdown();
await running;
await bench.close();
