/**
 * Branches and long runs, measured in one process against one Temporal dev server:
 *  (a) ten branches each waiting 1 s on a model call (target ≤1.3 s wall, not 10 s);
 *  (b) parallel.map over 1,000 items at concurrency 10: wall time, history, worker RSS;
 *  (c) a 10,000-step spell written with continue-as-new: no run's history passes 10,240 events,
 *      and time per step within 1.1× of a 100-step spell's.
 * Run: node --no-node-snapshot bench/long-runs.ts [--steps N] (default 10,000)
 */
import { parseArgs } from 'node:util';
import { MockLanguageModelV4 } from 'ai/test';
import { startSpell } from '../src/client.ts';
import { providerOf } from '../src/models/registry.ts';
import { runsOf } from '../src/cli/history.ts';
import { median, startBench } from './harness.ts';

const { values } = parseArgs({ options: { steps: { type: 'string' } } });
const STEPS = Number(values.steps ?? 10_000);

const slow = new MockLanguageModelV4({
  doGenerate: async () => {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return {
      content: [{ type: 'text', text: 'done' }],
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: { inputTokens: { total: 1, noCache: undefined, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: 1, text: undefined, reasoning: undefined } },
      warnings: [],
    };
  },
});
const bench = await startBench({ providers: { test: providerOf({ slow }) } });
const { client, taskQueue } = bench;
let peakRssMb = 0;
const sampler = setInterval(() => (peakRssMb = Math.max(peakRssMb, process.memoryUsage().rss / 1e6)), 100);

async function run(source: string, input?: unknown) {
  const t0 = performance.now();
  const handle = await startSpell(client, { source, fileName: 'bench.lua', engine: 'lua', taskQueue, ...(input !== undefined ? { input: input as never } : {}) });
  const result = await handle.result();
  return { ms: performance.now() - t0, handle, result };
}

// (a) Ten branches of a 1 s model call; the first round warms ten engine threads.
const ten = 'local fns = {}\nfor i = 1, 10 do fns[i] = function() return llm.generate{ model = "test:slow", prompt = "b" .. i }.text end end\nreturn parallel(fns)';
await run(ten);
const tenMs: number[] = [];
for (let i = 0; i < 3; i++) tenMs.push((await run(ten)).ms);
console.log(`(a) 10 branches × 1 s model call: ${median(tenMs).toFixed(0)} ms wall, median of 3 (target ≤1300 ms; one after another: 10000 ms)`);

// (b) A 1,000-item map at concurrency 10.
const map = 'local items = {}\nfor i = 1, 1000 do items[i] = i end\nreturn #parallel.map(items, function(n) return step("sq " .. n, function() return n * n end) end, { concurrency = 10 })';
const mapped = await run(map);
const mapInfo = (await mapped.handle.describe()).raw.workflowExecutionInfo!;
console.log(
  `(b) parallel.map over 1,000 items, concurrency 10: ${(mapped.ms / 1000).toFixed(1)} s, ${mapInfo.historyLength} events / ${(Number(mapInfo.historySizeBytes) / 1e6).toFixed(2)} MB of history (warning at 10,240 / 10 MB), worker peak RSS ${peakRssMb.toFixed(0)} MB`,
);

// (c) N steps in runs of 2,000, each continuing as new; against a 100-step spell's time per step.
// Runs last over a second: Temporal holds back a run that continues sooner than 1 s after it
// started (history.continueAsNewMinInterval), so runs of 400 instant steps (~0.25 s each)
// measured that throttle (2.3x), not the spell.
const perRun = 2000;
const steps = (n: number) =>
  `local done = spell.input.done\nlocal upto = math.min(done + ${perRun}, spell.input.total)\nfor i = done + 1, upto do step("s" .. i, function() return i end) end\nif upto < spell.input.total then spell.continue_as_new({ done = upto, total = spell.input.total }) end\nreturn upto\n-- ${n}`;
const short = await run(steps(100), { done: 0, total: 100 });
const long = await run(steps(STEPS), { done: 0, total: STEPS });
const runs = await runsOf(client, long.handle.workflowId);
let maxEvents = 0;
for (const r of runs) {
  const info = (await client.workflow.getHandle(long.handle.workflowId, r.runId).describe()).raw.workflowExecutionInfo!;
  maxEvents = Math.max(maxEvents, Number(info.historyLength));
}
const perStepShort = short.ms / 100;
const perStepLong = long.ms / STEPS;
console.log(
  `(c) ${STEPS} steps with continue-as-new every ${perRun}: ${(long.ms / 1000).toFixed(1)} s in ${runs.length} runs, largest history ${maxEvents} events (limit 10,240); ` +
    `${perStepLong.toFixed(1)} ms per step vs ${perStepShort.toFixed(1)} ms in a 100-step spell: ${(perStepLong / perStepShort).toFixed(2)}× (target ≤1.1×)`,
);
clearInterval(sampler);
await bench.close();
