/**
 * Branches, child spells and long runs on the real dev server (DESIGN §2): branches really run
 * concurrently, a 1,000-item map completes within Temporal's history warning limits, a run that
 * nears the hard limits fails typed, cancelling a parent cancels its children.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { MockLanguageModelV4 } from 'ai/test';
import { providerOf } from '../../src/models/registry.ts';
import { readHistory } from '../../src/cli/history.ts';
import { progressQuery } from '../../src/workflows/api.ts';
import { example, startTestWorker, type TestWorker } from '../helpers/worker.ts';
import { usageOf } from '../helpers/models.ts';

/** A model that takes a second to answer. */
const slow = new MockLanguageModelV4({
  doGenerate: async (options) => {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const last = options.prompt.at(-1);
    const prompt = last?.role === 'user' && last.content[0]?.type === 'text' ? last.content[0].text : '?';
    return { content: [{ type: 'text', text: `slow ${prompt}` }], finishReason: { unified: 'stop', raw: 'stop' }, usage: usageOf(1, 1), warnings: [] };
  },
});

let w: TestWorker;
beforeAll(async () => {
  w = await startTestWorker({ providers: { test: providerOf({ slow }) } });
});
afterAll(() => w.close());

async function failure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  expect((error as WorkflowFailedError).cause).toBeInstanceOf(ApplicationFailure);
  return (error as WorkflowFailedError).cause as ApplicationFailure;
}

it('runs ten branches concurrently: ten model calls of a second each take far less than ten seconds', async () => {
  const source = `
    local items = {}
    for i = 1, 10 do items[i] = i end
    return parallel.map(items, function(i) return llm.generate{ model = "test:slow", prompt = "b" .. i }.text end)
  `;
  // Ten warm engine threads first: a thread's start-up is not what this test is about.
  await (await w.start({ source: 'local fns = {}\nfor i = 1, 10 do fns[i] = function() return i end end\nreturn parallel(fns)', fileName: 'warm.lua' })).result();
  const handle = await w.start({ source, fileName: 'ten.lua' });
  const result = (await handle.result()) as string[];
  expect(result).toEqual(Array.from({ length: 10 }, (_, i) => `slow b${i + 1}`));
  const { chains } = (await readHistory(w.client, handle.workflowId)).runs.at(-1)!;
  const calls = Object.entries(chains).filter(([chain]) => chain !== '').flatMap(([, entries]) => entries);
  expect(calls).toHaveLength(10);
  // Concurrency, not speed (bench/parallel.ts measures that): one after another would take 10 s.
  const parallelEntry = chains['']![0]!;
  expect(parallelEntry.durationMs).toBeLessThan(5000);
  console.info(`[figures] 10 branches of a 1 s model call: ${parallelEntry.durationMs} ms wall`);
});

it('maps over 1,000 items at concurrency 10 within Temporal\'s history warning limits', { timeout: 300_000 }, async () => {
  const handle = await w.start({ source: await example('map.lua'), fileName: 'map.lua', input: { count: 1000 } });
  expect(await handle.result()).toEqual({ items: 1000, sum: 333_833_500, last: 1_000_000 });
  const info = (await handle.describe()).raw.workflowExecutionInfo!;
  const events = Number(info.historyLength);
  const bytes = Number(info.historySizeBytes);
  console.info(`[figures] map over 1,000 items at concurrency 10: ${events} events, ${bytes} bytes of history, worker RSS ${Math.round(process.memoryUsage().rss / 1e6)} MB`);
  expect(events).toBeLessThan(10_240);
  expect(bytes).toBeLessThan(10 * 1024 * 1024);
});

it('fails a run that nears the history limit without continuing as new with SpellHistoryLimit, naming the remedy', async () => {
  // Steps with their own timeout run as regular activities (six events each), not batched in local ones.
  const source = 'for i = 1, 100 do step("s" .. i, function() return i end, { timeout = 30 }) end\nreturn "never"';
  const handle = await w.start({ source, fileName: 'long.lua', options: { historyLimit: { events: 60 } } });
  const cause = await failure(handle.result());
  expect(cause.type).toBe('SpellHistoryLimit');
  expect(cause.message).toMatch(/near Temporal's limits .*spell\.continue_as_new\(input\) when spell\.history\(\)\.suggested is true/);
});

it('cancels the children of a cancelled parent', async () => {
  const source = `
    local child = spell.spawn({ engine = "lua", source = 'return signal.wait("never")' })
    return child:wait()
  `;
  const handle = await w.start({ source, fileName: 'parent.lua' });
  const childId = `${handle.workflowId}/0`;
  await expect.poll(async () => (await w.client.workflow.getHandle(childId).describe().catch(() => undefined))?.status.name, { timeout: 20_000 }).toBe('RUNNING');
  await expect.poll(async () => (await handle.query(progressQuery, 0, 0)).waitingOn, { timeout: 20_000 }).toBe(`child ${childId}`);
  await handle.cancel();
  await expect.poll(async () => (await w.client.workflow.getHandle(childId).describe()).status.name, { timeout: 20_000 }).toBe('CANCELLED');
  expect((await handle.describe()).status.name).toBe('CANCELLED');
});
