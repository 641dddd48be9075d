/**
 * createSpellPlugin in a user's own worker: the user's workflows and activities stay, spells
 * run next to them (also as child workflows of the user's), External Storage reaches the
 * worker and the client, and the engine pool is closed when the worker stops.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createSpellPlugin, type SpellPlugin } from '../src/plugin.ts';
import { EnginePool } from '../src/engines/pool.ts';
import { startSpell } from '../src/client.ts';
import { createTracing } from '../src/telemetry/tracing.ts';
import type { SpellWorkflowInput } from '../src/contract/run.ts';
import { testExternalStorage } from './helpers/storage.ts';
import type { userGreeting, userWaiter, userWithSpell } from './fixtures/plugin-workflows.ts';
import { releaseSignal } from './fixtures/plugin-workflows.ts';

const workflowsPath = join(import.meta.dirname, 'fixtures/plugin-workflows.ts');
const noop = () => {};
const quiet = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error };

let connection: Connection;
let nativeConnection: NativeConnection;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  connection = await Connection.connect({ address: inject('temporalAddress') });
  nativeConnection = await NativeConnection.connect({ address: inject('temporalAddress') });
});

afterAll(async () => {
  await nativeConnection?.close();
  await connection?.close();
});

/** The plugin with a pool whose closing is counted. */
function plugin(client: Client): { plugin: SpellPlugin; closes: () => number } {
  const pool = new EnginePool({ maxThreadsPerEngine: 2 });
  let closes = 0;
  const close = pool.close.bind(pool);
  pool.close = async () => {
    closes++;
    await close();
  };
  return { plugin: createSpellPlugin({ client, pool, externalStorage: testExternalStorage }), closes: () => closes };
}

const spellInput = (source: string): SpellWorkflowInput => ({ source, fileName: 'child.lua', engine: 'lua' });

describe('createSpellPlugin in an existing worker', () => {
  it('runs the user\'s own workflows and activities, and spells (directly and as child workflows), on one worker', async () => {
    // The client gets External Storage from the plugin too: it reads what the worker stored.
    const client = new Client({ connection });
    const { plugin: spellPlugin, closes } = plugin(client);
    const pluggedClient = new Client({ connection, plugins: [spellPlugin] });
    expect(pluggedClient.options.dataConverter.externalStorage).toBe(testExternalStorage);

    const taskQueue = `plugin-${randomUUID()}`;
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowsPath,
      bundlerOptions: { webpackConfigHook: (config) => config },
      activities: { greet: async (name: string) => `Hello, ${name}` },
      plugins: [spellPlugin],
    });
    expect(worker.options.dataConverter?.externalStorage).toBe(testExternalStorage);

    await worker.runUntil(async () => {
      const waiter = await pluggedClient.workflow.start<typeof userWaiter>('userWaiter', { taskQueue, workflowId: `waiter-${randomUUID()}` });
      expect(await pluggedClient.workflow.execute<typeof userGreeting>('userGreeting', { taskQueue, workflowId: `greet-${randomUUID()}`, args: ['Ada'] })).toBe('Hello, Ada');

      const child = await pluggedClient.workflow.execute<typeof userWithSpell>('userWithSpell', {
        taskQueue,
        workflowId: `with-spell-${randomUUID()}`,
        args: [spellInput('local r = llm.generate{ prompt = "hi" }\nreturn { text = r.text, n = #spell.id }')],
      });
      expect(child).toMatchObject({ text: 'echo: hi' });

      // A spell's large result goes to External Storage through the plugin's converter.
      const big = await startSpell(pluggedClient, { source: 'return string.rep("x", 600000)', fileName: 'big.lua', engine: 'lua', taskQueue });
      expect(((await big.result()) as string).length).toBe(600000);
      const history = await big.fetchHistory();
      const completed = history.events?.find((e) => e.workflowExecutionCompletedEventAttributes)?.workflowExecutionCompletedEventAttributes;
      const stored = completed?.result?.payloads?.[0];
      expect((stored?.data?.length ?? 0) + JSON.stringify(stored?.metadata ?? {}).length).toBeLessThan(10_000);

      // The user's own workflow was in flight the whole time.
      expect((await waiter.describe()).status.name).toBe('RUNNING');
      await waiter.signal(releaseSignal);
      expect(await waiter.result()).toBe('released');
      expect(closes()).toBe(0);
    });
    // The worker stopped: the plugin closed the engines.
    expect(closes()).toBe(1);
  });

  it('adds the spell workflows to a bundle built ahead with bundleWorkflowCode({ plugins })', async () => {
    const client = new Client({ connection });
    const { plugin: spellPlugin, closes } = plugin(client);
    const { code } = await bundleWorkflowCode({ workflowsPath, plugins: [spellPlugin], logger: quiet });
    const taskQueue = `plugin-bundle-${randomUUID()}`;
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowBundle: { code },
      activities: { greet: async (name: string) => `Hi, ${name}` },
      plugins: [spellPlugin],
    });
    const pluggedClient = new Client({ connection, plugins: [spellPlugin] });
    await worker.runUntil(async () => {
      expect(await pluggedClient.workflow.execute<typeof userGreeting>('userGreeting', { taskQueue, workflowId: `greet-${randomUUID()}`, args: ['Bo'] })).toBe('Hi, Bo');
      const spell = await startSpell(pluggedClient, { source: 'return 6 * 7', fileName: 'answer.lua', engine: 'lua', taskQueue });
      expect(await spell.result()).toBe(42);
    });
    expect(closes()).toBe(1);
  });
});

describe('createSpellPlugin with tracing', () => {
  /** Parent names up from the span named `name`. */
  const lineage = (spans: readonly ReadableSpan[], name: string) => {
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const names: string[] = [];
    for (let span = spans.find((s) => s.name === name); span; span = span.parentSpanId ? byId.get(span.parentSpanId) : undefined) names.push(span.name);
    return names;
  };

  it('traces a spell run as a child of the user\'s own workflow, in a worker with its own workflowsPath', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = createTracing({ spanProcessor: new SimpleSpanProcessor(exporter) });
    const spellPlugin = createSpellPlugin({ client: new Client({ connection }), pool: { maxThreadsPerEngine: 2 }, tracing });
    const taskQueue = `plugin-traced-${randomUUID()}`;
    const worker = await Worker.create({ connection: nativeConnection, taskQueue, workflowsPath, activities: { greet: async (name: string) => `Hello, ${name}` }, plugins: [spellPlugin] });
    // The plugin's client interceptors start the trace.
    const pluggedClient = new Client({ connection, plugins: [spellPlugin] });
    await worker.runUntil(async () => {
      const result = await pluggedClient.workflow.execute<typeof userWithSpell>('userWithSpell', { taskQueue, workflowId: `traced-${randomUUID()}`, args: [spellInput('return llm.generate{ prompt = "hi" }.text')] });
      expect(result).toBe('echo: hi');
    });
    expect(lineage(exporter.getFinishedSpans(), 'llm.generate offline:echo')).toEqual([
      'llm.generate offline:echo',
      'RunActivity:runSpell',
      'StartActivity:runSpell',
      'RunWorkflow:spellWorkflow',
      'StartChildWorkflow:spellWorkflow',
      'RunWorkflow:userWithSpell',
      'StartWorkflow:userWithSpell',
    ]);
  });

  it('traces spells in a worker of spell workflows alone, bundled at its start', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = createTracing({ spanProcessor: new SimpleSpanProcessor(exporter) });
    const client = new Client({ connection, interceptors: { workflow: [tracing.clientInterceptor()] } });
    const taskQueue = `plugin-traced-alone-${randomUUID()}`;
    const worker = await Worker.create({ connection: nativeConnection, taskQueue, plugins: [createSpellPlugin({ client, pool: { maxThreadsPerEngine: 2 }, tracing })] });
    await worker.runUntil(async () => {
      const spell = await startSpell(client, { source: 'return llm.generate{ prompt = "hi" }.text', fileName: 'alone.lua', engine: 'lua', taskQueue });
      expect(await spell.result()).toBe('echo: hi');
    });
    expect(lineage(exporter.getFinishedSpans(), 'llm.generate offline:echo')).toEqual([
      'llm.generate offline:echo',
      'RunActivity:runSpell',
      'StartActivity:runSpell',
      'RunWorkflow:spellWorkflow',
      'StartWorkflow:spellWorkflow',
    ]);
  });
});
