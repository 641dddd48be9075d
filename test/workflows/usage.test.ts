import { afterAll, beforeAll, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { MockLanguageModelV4 } from 'ai/test';
import { providerOf } from '../../src/models/registry.ts';
import { readHistory } from '../../src/cli/history.ts';
import { startTestWorker, type TestWorker } from '../helpers/worker.ts';
import { usageOf } from '../helpers/models.ts';

let calls = 0;
const model = new MockLanguageModelV4({
  doGenerate: async () => {
    calls++;
    return {
      content: [{ type: 'text', text: 'ok' }],
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: usageOf(3, 4),
      warnings: [],
    };
  },
});
// $1 per input token and $2 per output token: 3 + 8 = $11 a call.
const prices = { 'test:m': { inputPerMTok: 1_000_000, outputPerMTok: 2_000_000 } };

let w: TestWorker;
beforeAll(async () => {
  w = await startTestWorker({ providers: { test: providerOf({ m: model }) } });
});
afterAll(() => w.close());

it.each([
  ['lua', 'local a = spell.usage()\nllm.generate{ model = "test:m", prompt = "1" }\nstep("s", function() return llm.generate{ model = "test:m", prompt = "2" }.text end)\nreturn { before = a, after = spell.usage() }'],
  ['javascript', 'const before = spell.usage();\nawait llm.generate({ model: "test:m", prompt: "1" });\nawait step("s", async () => (await llm.generate({ model: "test:m", prompt: "2" })).text);\nreturn { before, after: spell.usage() }'],
] as const)('spell.usage() totals tokens and cost of every model call, steps included (%s)', async (engine, source) => {
  const handle = await w.start({ source, fileName: engine === 'lua' ? 'u.lua' : 'u.js', engine, options: { prices } });
  expect(await handle.result()).toEqual({
    before: { input_tokens: 0, output_tokens: 0, total_tokens: 0, cost: 0, calls: 0 },
    after: { input_tokens: 6, output_tokens: 8, total_tokens: 14, cost: 22, calls: 2 },
  });
  // The namespace has llmspell's search attributes: the totals are there, so runs can be listed
  // and sorted by cost, and not in the memo too (one history event, not two, each time).
  const { memo, searchAttributes } = await handle.describe();
  expect(searchAttributes).toMatchObject({ llmspellTokens: [14], llmspellCostUsd: [22] });
  expect(memo?.usage).toBeUndefined();
});

it('keeps the totals in the memo for a run without search attributes', async () => {
  const handle = await w.start({ source: 'llm.generate{ model = "test:m", prompt = "1" }\nreturn "ok"', fileName: 'memo.lua', options: { prices, searchAttributes: false } });
  await handle.result();
  const { memo, searchAttributes } = await handle.describe();
  expect(memo?.usage).toEqual({ input_tokens: 3, output_tokens: 4, total_tokens: 7, cost: 11, calls: 1 });
  expect(searchAttributes.llmspellTokens).toBeUndefined();
  const events = (await handle.fetchHistory()).events ?? [];
  expect(events.filter((e) => e.workflowPropertiesModifiedEventAttributes)).toHaveLength(1);
  expect(events.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes)).toHaveLength(0);
});

it('stops the run before a model call past the token budget; the script cannot catch it', async () => {
  const before = calls;
  const source = 'llm.generate{ model = "test:m", prompt = "1" }\nlocal ok = pcall(llm.generate, { model = "test:m", prompt = "2", max_tokens = 5 })\nreturn "went on"';
  const handle = await w.start({ source, fileName: 'budget.lua', options: { budget: { maxTokens: 10 } } });
  const error = await handle.result().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  expect((error as WorkflowFailedError).cause).toMatchObject({
    type: 'SpellBudgetExceeded',
    message: 'test:m: the run has used 7 of its 10 tokens and this call may use 5 more',
  });
  expect(calls - before).toBe(1);
  expect((await readHistory(w.client, handle.workflowId)).entries).toHaveLength(1);
});

it('stops the run once the cost budget is spent', async () => {
  const source = 'for i = 1, 5 do llm.generate{ model = "test:m", prompt = "p" .. i } end\nreturn "all"';
  const handle = await w.start({ source, fileName: 'cost.lua', options: { prices, budget: { maxCost: 20 } } });
  const error = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
  expect(error.cause).toMatchObject({ type: 'SpellBudgetExceeded', message: 'test:m: the run has spent $22.000000 of its $20 budget' });
});

it('keeps the totals in search attributes when asked, so runs can be listed by cost', async () => {
  const source = 'llm.generate{ model = "test:m", prompt = "1" }\nreturn "ok"';
  const handle = await w.start({ source, fileName: 'sa.lua', options: { prices, searchAttributes: true } });
  await handle.result();
  const { searchAttributes } = await handle.describe();
  expect(searchAttributes).toMatchObject({ llmspellTokens: [7], llmspellCostUsd: [11] });
});
