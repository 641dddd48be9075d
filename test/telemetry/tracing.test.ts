import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { MockLanguageModelV4 } from 'ai/test';
import { providerOf } from '../../src/models/registry.ts';
import { startSpell } from '../../src/client.ts';
import { createTracing } from '../../src/telemetry/tracing.ts';
import { workflowBundle } from '../../src/workflow-bundle.ts';
import { createSpellPlugin } from '../../src/plugin.ts';
import { cacheDir, repoRoot, startTestWorker, testClient, type TestWorker } from '../helpers/worker.ts';
import { testExternalStorage } from '../helpers/storage.ts';
import { usageOf } from '../helpers/models.ts';

const model = new MockLanguageModelV4({
  doGenerate: async () => ({ content: [{ type: 'text', text: 'ok' }], finishReason: { unified: 'stop', raw: 'stop' }, usage: usageOf(3, 4), warnings: [] }),
});
// $1 per input token and $2 per output token: 3 + 8 = $11 a call.
const prices = { 'test:m': { inputPerMTok: 1_000_000, outputPerMTok: 2_000_000 } };

const exporter = new InMemorySpanExporter();
const tracing = createTracing({ spanProcessor: new SimpleSpanProcessor(exporter) });
let w: TestWorker;
let client: Client;
let close: () => Promise<void>;

beforeAll(async () => {
  w = await startTestWorker({
    providers: { test: providerOf({ m: model }) },
    tools: {
      add: (args) => (args as { a: number; b: number }).a + (args as { a: number; b: number }).b,
      boom: () => {
        throw new Error('no');
      },
    },
    tracing,
  });
  const { connection } = await testClient();
  client = new Client({ connection, dataConverter: { externalStorage: testExternalStorage }, interceptors: { workflow: [tracing.clientInterceptor()] } });
  close = () => connection.close();
});
afterAll(async () => {
  await close();
  await w.close();
});

// Prompts say "secret": no span may carry one.
const SPELL = `
local a = llm.generate{ model = "test:m", prompt = "secret 1" }
local b = llm.generate{ model = "test:m", prompt = "secret 2" }
local both = parallel({
  function() return tool.call("add", { a = 1, b = 2 }) end,
  function() return llm.generate{ model = "test:m", prompt = "secret 3" }.text end,
})
local child = spell.spawn({ engine = "lua", source = 'return llm.generate{ model = "test:m", prompt = "secret 4" }.text' })
local c = child:wait()
local s = step("summary", function() return llm.generate{ model = "test:m", prompt = "secret 5" }.text end)
local ok, e = pcall(tool.call, "boom", {})
return { a = a.text, b = b.text, both = both, c = c, s = s, e = e.type }
`;

/** The spans of one trace as an indented tree, siblings by start time: names and the attributes that tell them apart. */
export function render(spans: readonly ReadableSpan[]): string {
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  const children = new Map<string | undefined, ReadableSpan[]>();
  for (const span of spans) {
    const parent = span.parentSpanId && ids.has(span.parentSpanId) ? span.parentSpanId : undefined;
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    const list = (children.get(parent) ?? []).sort((a, b) => hrMs(a.startTime) - hrMs(b.startTime));
    for (const span of list) {
      lines.push(`${'  '.repeat(depth)}${label(span)}`);
      walk(span.spanContext().spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines.join('\n');
}

const hrMs = ([s, ns]: [number, number]) => s * 1e3 + ns / 1e6;

function label(span: ReadableSpan): string {
  const a = span.attributes;
  const keys = ['llmspell.spell', 'llmspell.chain', 'llmspell.summary', 'llmspell.call.path', 'llmspell.model', 'gen_ai.usage.input_tokens', 'gen_ai.usage.output_tokens', 'llmspell.cost_usd', 'error.type'];
  const shown = keys.filter((k) => a[k] !== undefined && !(k === 'llmspell.chain' && span.name.startsWith('StartActivity'))).map((k) => `${k.replace(/^(llmspell|gen_ai)\./, '')}=${String(a[k])}`);
  return `${span.name}${shown.length ? ` [${shown.join(' ')}]` : ''}`;
}

/** Workflow spans leave the sandbox through a sink when a workflow task completes: wait for the parent's. */
async function spansOf(workflowId: string): Promise<ReadableSpan[]> {
  for (let i = 0; i < 50; i++) {
    const spans = exporter.getFinishedSpans();
    if (spans.some((s) => s.name === 'RunWorkflow:spellWorkflow' && s.attributes.workflowId === workflowId)) return spans;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return exporter.getFinishedSpans();
}

it('traces one run: client → workflow → activities → bridge calls, branches and the child in one trace', async () => {
  exporter.reset();
  const handle = await startSpell(client, { source: SPELL, fileName: 'traced.lua', engine: 'lua', taskQueue: w.taskQueue, options: { prices } });
  expect(await handle.result()).toEqual({ a: 'ok', b: 'ok', both: [3, 'ok'], c: 'ok', s: 'ok', e: 'ToolError' });
  const spans = await spansOf(handle.workflowId);
  if (process.env.LLMSPELL_SHOW_TRACE) process.stderr.write(`${render(spans)}\n`);
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const parentOf = (span: ReadableSpan) => (span.parentSpanId ? byId.get(span.parentSpanId) : undefined);
  const ancestors = (span: ReadableSpan) => {
    const list: ReadableSpan[] = [];
    for (let p = parentOf(span); p; p = parentOf(p)) list.push(p);
    return list;
  };

  // One trace, rooted where the client started the run.
  expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);
  const roots = spans.filter((s) => !s.parentSpanId);
  expect(roots.map((s) => s.name)).toEqual(['StartWorkflow:spellWorkflow']);
  expect(spans.every((s) => !s.parentSpanId || byId.has(s.parentSpanId))).toBe(true);
  const runs = spans.filter((s) => s.name === 'RunWorkflow:spellWorkflow');
  const run = runs.find((s) => s.attributes['llmspell.spell'] === 'traced.lua')!;
  expect(run.attributes).toEqual({
    'llmspell.spell': 'traced.lua',
    'llmspell.engine': 'lua',
    workflowId: handle.workflowId,
    runId: (await handle.describe()).runId,
    workflowType: 'spellWorkflow',
    namespace: 'default',
    taskQueue: w.taskQueue,
    attempt: 1,
  });
  expect(parentOf(run)).toBe(roots[0]);

  // Every activity runs under a StartActivity span of a workflow run.
  const activities = spans.filter((s) => s.name === 'RunActivity:runSpell');
  expect(activities.length).toBeGreaterThanOrEqual(8);
  for (const activity of activities) {
    expect(parentOf(activity)?.name).toBe('StartActivity:runSpell');
    expect(ancestors(activity).some((s) => s.name === 'RunWorkflow:spellWorkflow')).toBe(true);
    expect(activity.attributes['llmspell.chain']).toMatch(/^(main|2\/[01])$/);
  }

  // One span per bridge call the worker executed: replayed calls (every activity re-executes
  // the script from the top) get none. Steps hold the calls inside them.
  const calls = spans.filter((s) => s.attributes['llmspell.call.kind'] !== undefined);
  const spellOf = (span: ReadableSpan) => ancestors(span).find((s) => s.name === 'RunWorkflow:spellWorkflow')?.attributes['llmspell.spell'];
  expect(calls.map((s) => `${spellOf(s)} ${String(s.attributes['llmspell.call.path'])} ${s.name}`).sort()).toEqual([
    'inline.lua 0 llm.generate test:m',
    'traced.lua 0 llm.generate test:m',
    'traced.lua 1 llm.generate test:m',
    'traced.lua 2/0/0 tool.call add',
    'traced.lua 2/1/0 llm.generate test:m',
    'traced.lua 3 spell.spawn (inline lua)',
    'traced.lua 5 step summary',
    'traced.lua 5.0 llm.generate test:m',
    'traced.lua 6 tool.call boom',
  ]);
  for (const call of calls) {
    const parent = parentOf(call)!;
    expect(parent.name).toBe(call.attributes['llmspell.call.path'] === '5.0' ? 'step summary' : 'RunActivity:runSpell');
    // Inside its parent's time.
    expect(hrMs(call.startTime)).toBeGreaterThanOrEqual(hrMs(parent.startTime));
    expect(hrMs(call.endTime)).toBeLessThanOrEqual(hrMs(parent.endTime) + 1);
  }
  for (const llm of calls.filter((s) => s.attributes['llmspell.call.kind'] === 'llm.generate')) {
    expect(llm.kind).toBe(SpanKind.CLIENT);
    expect(llm.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(llm.attributes).toMatchObject({
      'llmspell.call.name': 'test:m',
      'llmspell.model': 'test:m',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'test:m',
      'gen_ai.usage.input_tokens': 3,
      'gen_ai.usage.output_tokens': 4,
      'llmspell.usage.total_tokens': 7,
    });
    // The child's prices are its parent's.
    expect(llm.attributes['llmspell.cost_usd']).toBeCloseTo(11);
  }

  // Branches: each runs in activities of its own chain, under the run's workflow span.
  for (const [path, chain] of [
    ['2/0/0', '2/0'],
    ['2/1/0', '2/1'],
  ] as const) {
    const call = calls.find((s) => s.attributes['llmspell.call.path'] === path)!;
    expect(parentOf(call)!.attributes['llmspell.chain']).toBe(chain);
    expect(parentOf(parentOf(call)!)!.attributes).toMatchObject({ 'llmspell.chain': chain });
    expect(ancestors(call)).toContain(run);
  }

  // The child spell: its own workflow span, under the parent's StartChildWorkflow span.
  const child = runs.find((s) => s.attributes['llmspell.spell'] === 'inline.lua')!;
  expect(child.attributes['llmspell.parent']).toBe(handle.workflowId);
  expect(parentOf(child)!.name).toBe('StartChildWorkflow:spellWorkflow');
  expect(parentOf(child)!.attributes['llmspell.child.workflow_id']).toBe(`${handle.workflowId}/3`);
  expect(ancestors(child)).toContain(run);

  // A failed call: its typed error, not its message.
  const boom = calls.find((s) => s.name === 'tool.call boom')!;
  expect(boom.status).toEqual({ code: SpanStatusCode.ERROR, message: 'ToolError' });
  expect(boom.attributes['error.type']).toBe('ToolError');

  // Names, kinds, models, usage: never a prompt.
  const texts = spans.flatMap((s) => [s.name, s.status.message ?? '', ...Object.values(s.attributes).map((v) => JSON.stringify(v))]);
  expect(texts.filter((t) => /secret/.test(t))).toEqual([]);
});

it('a failed run keeps its typed error, and its workflow span says so', async () => {
  exporter.reset();
  const handle = await startSpell(client, { source: 'llm.generate{ model = "test:m", prompt = "x" }\nerror("bad")', fileName: 'fails.lua', engine: 'lua', taskQueue: w.taskQueue });
  const error = await handle.result().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  expect((error as WorkflowFailedError).cause).toMatchObject({ type: 'SpellScriptError' });
  const spans = await spansOf(handle.workflowId);
  const run = spans.find((s) => s.name === 'RunWorkflow:spellWorkflow')!;
  expect(run.status.code).toBe(SpanStatusCode.ERROR);
  expect(spans.filter((s) => s.name === 'llm.generate test:m')).toHaveLength(1);
});

it('bundles the tracing interceptors only into a tracing worker\'s bundle, cached apart', async () => {
  const [plain, traced] = await Promise.all([workflowBundle(cacheDir), workflowBundle(cacheDir, { tracing: true })]);
  expect(plain.code).not.toMatch(/OpenTelemetryInboundInterceptor/);
  expect(traced.code).toMatch(/OpenTelemetryInboundInterceptor/);
  // A plugin with tracing refuses a bundle without the interceptors (its runs would lose their workflow spans).
  expect(() => createSpellPlugin({ client, tracing, workflowBundle: plain })).toThrow(/workflowBundle\(cacheDir, \{ tracing: true \}\)/);
  expect(createSpellPlugin({ client, tracing, workflowBundle: traced })).toBeDefined();
});

it('loads nothing of OpenTelemetry without tracing: the worker, the CLI\'s connection and the library entry', async () => {
  // Lists every module resolved whose URL names OpenTelemetry, after `then` runs.
  const loaded = async (then: string, env: Record<string, string> = {}) => {
    const code = `
      import { registerHooks } from 'node:module';
      const loaded = [];
      registerHooks({ resolve(spec, ctx, next) { const r = next(spec, ctx); if (/opentelemetry/.test(r.url)) loaded.push(r.url); return r; } });
      await import(${JSON.stringify(`${repoRoot}/src/spell-worker.ts`)});
      await import(${JSON.stringify(`${repoRoot}/src/cli/connect.ts`)});
      const llmspell = await import(${JSON.stringify(`${repoRoot}/src/index.ts`)});
      ${then}
      console.log(JSON.stringify(loaded));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--no-node-snapshot', '--disable-warning=ExperimentalWarning', '--input-type=module', '-e', code], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as string[];
  };
  expect(await loaded('await llmspell.tracingFromEnv();')).toEqual([]);
  // The check sees them when tracing is on.
  expect((await loaded('await llmspell.tracingFromEnv();', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).length).toBeGreaterThan(0);
});
