/**
 * llmspell against Temporal's own AI SDK integration (`@temporalio/ai-sdk`), side by side on
 * one dev server and one local OpenAI-compatible server (issue: Performance, "history per call"):
 *  - the same model calls: wall time, and history events and bytes of 5 and 10 calls (what
 *    each call adds, apart from a run's fixed events);
 *  - an agent of 10 steps (9 tool calls, then an answer): wall time and history.
 * @temporalio/ai-sdk pins @temporalio/* 1.23, so its worker runs in a process of its own from
 * bench/aisdk (installed by scripts/bench.sh: npm install --prefix bench/aisdk).
 * Run: node --no-node-snapshot bench/aisdk.ts [rounds=5]
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { median, root, startBench } from './harness.ts';
import { startSpell } from '../src/client.ts';
import { providersFromEnv } from '../src/models/providers.ts';
import { startProviderServer } from '../test/helpers/provider-server.ts';

const ROUNDS = Number(process.argv[2] ?? 5);
const STEPS = 10;
const f = (n: number, d = 0) => n.toFixed(d);
const folder = join(root, 'bench/aisdk');
if (!existsSync(join(folder, 'node_modules/@temporalio/ai-sdk'))) {
  throw new Error('bench/aisdk is not installed: run scripts/bench.sh, or npm install --prefix bench/aisdk');
}

// The local OpenAI-compatible server the provider tests use: a text answer, or (when the
// request offers tools) a call to `inc` until the conversation holds STEPS - 1 tool results.
const fake = await startProviderServer({ toolCall: (done) => (done < STEPS - 1 ? { name: 'inc', args: { n: done } } : undefined) });
const baseURL = fake.url;

const inc = { description: 'increments', schema: { type: 'object' as const, properties: { n: { type: 'number' as const } } }, execute: (args: unknown) => (args as { n: number }).n + 1 };
const { client, server, taskQueue, close } = await startBench({ providers: providersFromEnv({ OPENAI_COMPATIBLE_BASE_URL: baseURL }), tools: { inc } });

// Temporal's integration: its worker in its own process, on the same server.
const aiQueue = `bench-aisdk-${randomUUID()}`;
const aiWorker = spawn(process.execPath, [join(folder, 'worker.mjs'), server.address, aiQueue, baseURL], { cwd: folder, stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise<void>((resolve, reject) => {
  aiWorker.once('exit', (code) => reject(new Error(`the @temporalio/ai-sdk worker exited (${code})`)));
  createInterface({ input: aiWorker.stdout! }).once('line', () => resolve());
});

const historyOf = async (workflowId: string) => {
  const info = (await client.workflow.getHandle(workflowId).describe()).raw.workflowExecutionInfo!;
  return { events: Number(info.historyLength), bytes: Number(info.historySizeBytes) };
};
type Run = { ms: number; events: number; bytes: number };
async function spellRun(source: string, check: (result: unknown) => void): Promise<Run> {
  const t0 = performance.now();
  const handle = await startSpell(client, { source, fileName: 'bench.lua', engine: 'lua', taskQueue });
  check(await handle.result());
  const ms = performance.now() - t0;
  return { ms, ...(await historyOf(handle.workflowId)) };
}
async function aiRun(workflow: string, arg: number, check: (result: unknown) => void): Promise<Run> {
  const workflowId = `bench-aisdk-${randomUUID()}`;
  const t0 = performance.now();
  check(await client.workflow.execute(workflow, { taskQueue: aiQueue, workflowId, args: [arg] }));
  const ms = performance.now() - t0;
  return { ms, ...(await historyOf(workflowId)) };
}
const callsSource = (n: number) => `local last for i = 1, ${n} do last = llm.generate{ model = "openai-compatible:fake", prompt = "step " .. i }.text end return last`;
const answered = (n: number) => (result: unknown) => {
  if (result !== `fake answer to: step ${n}`) throw new Error(`unexpected result ${JSON.stringify(result)}`);
};
const agentSource = `local a = agent.create{ name = "loop", model = "openai-compatible:fake", instructions = "go", tools = { "inc" }, max_steps = ${STEPS} }\nreturn #a:run("go").steps`;
const steps = (result: unknown) => {
  if (result !== STEPS) throw new Error(`expected ${STEPS} agent steps, got ${JSON.stringify(result)}`);
};

// Warm-up: bundles, engines, connections.
await spellRun(callsSource(1), answered(1));
await aiRun('calls', 1, answered(1));
const rows = { spell5: [] as Run[], spell10: [] as Run[], ai5: [] as Run[], ai10: [] as Run[], spellAgent: [] as Run[], aiAgent: [] as Run[] };
for (let i = 0; i < ROUNDS; i++) {
  // Alternating which goes first: drift in the machine's load hits both alike.
  const pair = async (a: () => Promise<void>, b: () => Promise<void>) => (i % 2 === 0 ? (await a(), await b()) : (await b(), await a()));
  await pair(async () => void rows.spell5.push(await spellRun(callsSource(5), answered(5))), async () => void rows.ai5.push(await aiRun('calls', 5, answered(5))));
  await pair(async () => void rows.spell10.push(await spellRun(callsSource(10), answered(10))), async () => void rows.ai10.push(await aiRun('calls', 10, answered(10))));
  await pair(async () => void rows.spellAgent.push(await spellRun(agentSource, steps)), async () => void rows.aiAgent.push(await aiRun('agent', STEPS, steps)));
}
const med = (runs: Run[], key: keyof Run) => median(runs.map((r) => r[key]));
const perCall = (five: Run[], ten: Run[]) => ({ events: (med(ten, 'events') - med(five, 'events')) / 5, bytes: (med(ten, 'bytes') - med(five, 'bytes')) / 5 });
const spellPer = perCall(rows.spell5, rows.spell10);
const aiPer = perCall(rows.ai5, rows.ai10);

console.log(`llmspell vs @temporalio/ai-sdk 1.23 (${new Date().toISOString()}, Node ${process.version}), one dev server, a local OpenAI-compatible server, median of ${ROUNDS}`);
console.log('');
console.log('model calls (llm.generate vs generateText on temporalProvider), one after another:');
for (const [n, spell, ai] of [[5, rows.spell5, rows.ai5], [10, rows.spell10, rows.ai10]] as const) {
  console.log(`  ${n} calls: llmspell ${f(med(spell, 'ms'))} ms, ${med(spell, 'events')} events / ${med(spell, 'bytes')} bytes · @temporalio/ai-sdk ${f(med(ai, 'ms'))} ms, ${med(ai, 'events')} events / ${med(ai, 'bytes')} bytes`);
}
console.log(
  `  what one more call adds: llmspell ${spellPer.events} events / ${f(spellPer.bytes)} bytes · @temporalio/ai-sdk ${aiPer.events} events / ${f(aiPer.bytes)} bytes` +
    ` (target: no more than @temporalio/ai-sdk: events ${spellPer.events <= aiPer.events ? 'met' : 'missed'}, bytes ${spellPer.bytes <= aiPer.bytes ? 'met' : 'missed'})`,
);
console.log(`agent of ${STEPS} steps (9 tool calls, then an answer):`);
console.log(
  `  llmspell ${f(med(rows.spellAgent, 'ms'))} ms, ${med(rows.spellAgent, 'events')} events / ${med(rows.spellAgent, 'bytes')} bytes · @temporalio/ai-sdk ${f(med(rows.aiAgent, 'ms'))} ms, ${med(rows.aiAgent, 'events')} events / ${med(rows.aiAgent, 'bytes')} bytes` +
    ` · @temporalio/ai-sdk takes ${f(med(rows.aiAgent, 'ms') / med(rows.spellAgent, 'ms'), 2)}x as long (target >= 2x)`,
);

aiWorker.kill('SIGTERM');
await new Promise((resolve) => aiWorker.once('exit', resolve));
await fake.close();
await close();
