import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { MockLanguageModelV4 } from 'ai/test';
import { providerOf } from '../../src/models/registry.ts';
import { eventsQuery, progressQuery, spellSignal, stateQuery } from '../../src/workflows/api.ts';
import { readHistory } from '../../src/cli/history.ts';
import { example, startTestWorker, type TestWorker } from '../helpers/worker.ts';
import { usageOf } from '../helpers/models.ts';

let calls = 0;
const counting = new MockLanguageModelV4({
  doGenerate: async (options) => {
    calls++;
    const prompt = JSON.stringify(options.prompt);
    return {
      content: [{ type: 'text', text: `reply ${calls} to ${prompt.length} chars` }],
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: usageOf(3, 4),
      warnings: [],
    };
  },
});

/** A model that takes four seconds: longer than the steps below allow. */
let slowCalls = 0;
const slow = new MockLanguageModelV4({
  doGenerate: async () => {
    slowCalls++;
    await new Promise((resolve) => setTimeout(resolve, 4000));
    return { content: [{ type: 'text', text: 'late' }], finishReason: { unified: 'stop', raw: 'stop' }, usage: usageOf(1, 1), warnings: [] };
  },
});

let w: TestWorker;
beforeAll(async () => {
  w = await startTestWorker({
    providers: { test: providerOf({ counting, slow }) },
    tools: { add: (args) => ((args as { a: number }).a + (args as { b: number }).b) },
  });
});
afterAll(() => w.close());

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

describe('spellWorkflow', () => {
  it('runs hello.lua end to end on the offline model', async () => {
    const handle = await w.start({ source: await example('hello.lua'), fileName: 'hello.lua', input: { name: 'Ada' } });
    expect(await handle.result()).toEqual({
      greeting: 'echo: Say hello to Ada',
      summary: 'echo: Summarize: echo: Say hello to Ada',
      greeted: 'Ada',
    });
    const history = await readHistory(w.client, handle.workflowId);
    expect(history.entries.map((e) => `${e.seq} ${e.kind} ${e.name}`)).toEqual([
      '0 llm.generate offline:echo',
      '1 step summarize',
    ]);
    expect(history.entries[1]!.children?.map((c) => c.kind)).toEqual(['llm.generate']);
  });

  it('runs a 5-step spell with state and events, readable by query while it runs', async () => {
    const source = `
      state.set("count", 0)
      for i = 1, 5 do
        local r = step("step " .. i, function()
          return tool.call("add", { a = state.get("count"), b = i })
        end)
        state.set("count", r)
        event.emit("progress", { i = i, count = r })
      end
      state.set("done", true)
      local approved = signal.wait("go")
      return { count = state.get("count"), approved = approved }
    `;
    const handle = await w.start({ source, fileName: 'five.lua' });
    // The run waits on the signal: state and events are visible from outside.
    await expect.poll(async () => (await handle.query(progressQuery, 0, 0)).status, { timeout: 20_000 }).toBe('waiting');
    expect(await handle.query(stateQuery)).toEqual({ count: 15, done: true });
    // Temporal's stack trace query (`temporal workflow stack`) names where it waits, by source file and line.
    expect(await handle.query<string>('__stack_trace')).toMatch(/at signalWaitCommand \(.*src\/workflows\/commands\/timer\.ts:\d+/);
    const events = (await handle.query(eventsQuery)).filter((e) => e.name === 'progress');
    expect(events.map((e) => e.data)).toEqual([
      { i: 1, count: 1 },
      { i: 2, count: 3 },
      { i: 3, count: 6 },
      { i: 4, count: 10 },
      { i: 5, count: 15 },
    ]);
    await handle.signal(spellSignal, { name: 'go', payload: { by: 'ops' } });
    expect(await handle.result()).toEqual({ count: 15, approved: { by: 'ops' } });
    const progress = await handle.query(progressQuery, 0, 0);
    expect(progress.steps.map((s) => s.name)).toEqual(['step 1', 'step 2', 'step 3', 'step 4', 'step 5', 'go']);
  });

  it('journals model calls with usage and does not repeat them on re-execution', async () => {
    const before = calls;
    const source = `
      local a = llm.generate{ model = "test:counting", prompt = "one" }
      local b = llm.generate{ model = "test:counting", prompt = "two" }
      local c = llm.generate{ model = "test:counting", prompt = "three" }
      return { a.text, b.text, c.text, a.usage.total_tokens }
    `;
    const handle = await w.start({ source, fileName: 'three.lua' });
    const result = (await handle.result()) as unknown[];
    // Each activity re-runs the script from the top; recorded calls answer from the journal.
    expect(calls - before).toBe(3);
    expect(result[3]).toBe(7);
    const history = await readHistory(w.client, handle.workflowId);
    expect(history.entries.map((e) => e.usage?.totalTokens)).toEqual([7, 7, 7]);
  });

  it('takes a run up where its last activity stopped: on one worker the script starts once, and nothing is replayed', async () => {
    const before = { ...w.pool.executions };
    const callsBefore = calls;
    const source = `
      local out = {}
      for i = 1, 4 do
        out[i] = llm.generate{ model = "test:counting", prompt = "n" .. i }.text
        state.set("done", i)
      end
      sleep(0.01)
      out[5] = llm.generate{ model = "test:counting", prompt = "last" }.text
      return { n = #out, done = state.get("done") }
    `;
    const handle = await w.start({ source, fileName: 'kept.lua' });
    expect(await handle.result()).toEqual({ n: 5, done: 4 });
    expect(calls - callsBefore).toBe(5);
    // One activity per model call; the timer is the workflow's. Each activity after the first takes the script up.
    expect(w.pool.executions.total - before.total).toBe(5);
    expect(w.pool.executions.resumed - before.resumed).toBe(4);
    expect(w.pool.executions.replayedCalls - before.replayedCalls).toBe(1); // the sleep, answered from the journal
    const history = await readHistory(w.client, handle.workflowId);
    expect(history.entries.map((e) => e.kind)).toEqual(['llm.generate', 'llm.generate', 'llm.generate', 'llm.generate', 'sleep', 'llm.generate']);
  });

  it('fails the run with the script error, its file and line', async () => {
    const handle = await w.start({ source: 'local x = 1\nerror("boom")\n', fileName: 'boom.lua' });
    const failure = await failureOf(handle.result());
    expect(failure.type).toBe('SpellScriptError');
    expect(failure.message).toBe('boom.lua:2: boom');
  });

  it('emits bridge events around each new effect, once, in call order', async () => {
    const source = `
      local a = llm.generate{ model = "test:counting", prompt = "one" }
      event.emit("between", {})
      local ok = pcall(tool.call, "nope", {})
      return tool.call("add", { a = 1, b = 2 })
    `;
    const handle = await w.start({ source, fileName: 'events.lua' });
    expect(await handle.result()).toBe(3);
    const events = await handle.query(eventsQuery);
    expect(events.map((e) => `${e.name} ${(e.data as { name?: string }).name ?? ''}`.trim())).toEqual([
      'llm.request test:counting',
      'llm.response test:counting',
      'between',
      'tool.call nope',
      'tool.result nope',
      'tool.call add',
      'tool.result add',
    ]);
    expect(events[1]!.data).toMatchObject({ seq: 0, usage: { totalTokens: 7 } });
    expect(events[4]!.data).toMatchObject({ seq: 1, error: 'UnknownTool' });
  });

  it('raises an effect error in the script, which may catch it', async () => {
    const source = `
      local ok, err = pcall(tool.call, "nope", {})
      local ok2, err2 = pcall(llm.generate, { model = "nowhere:x", prompt = "hi" })
      return { ok = ok, type = err.type, message = err.message, type2 = err2.type, where = err.where }
    `;
    const handle = await w.start({ source, fileName: 'catch.lua' });
    const result = (await handle.result()) as Record<string, unknown>;
    expect(result).toMatchObject({ ok: false, type: 'UnknownTool', type2: 'UnknownModel', where: 'catch.lua:2' });
    expect(result.message).toMatch(/tool "nope" is not registered on this worker \(registered: add\)/);
  });

  it('rejects bad bridge arguments naming the function and the field', async () => {
    const handle = await w.start({ source: 'local r = llm.generate{ prompt = 42 }\nreturn r', fileName: 'bad.lua' });
    const failure = await failureOf(handle.result());
    expect(failure.type).toBe('SpellBridgeArgument');
    expect(failure.message).toMatch(/^bad\.lua:1: llm\.generate: field "prompt": .*expected string/);
  });

  it('runs a durable sleep as a workflow timer', async () => {
    const handle = await w.start({ source: 'local t0 = os.time()\nsleep(1)\nreturn os.time() - t0', fileName: 'nap.lua' });
    expect(await handle.result()).toBeGreaterThanOrEqual(1);
    const history = await handle.fetchHistory();
    expect(history.events?.some((e) => e.timerStartedEventAttributes)).toBe(true);
  });

  it('returns nil from signal.wait on timeout', async () => {
    const handle = await w.start({ source: 'local v = signal.wait("never", { timeout = 1 })\nreturn { got = v == nil }', fileName: 'wait.lua' });
    expect(await handle.result()).toEqual({ got: true });
  });

  it('gives the same random numbers and clock in every re-execution', async () => {
    const source = `
      local r1, t1 = math.random(1000000), os.time()
      local a = llm.generate{ prompt = "at " .. r1 .. " " .. t1 }
      local r2 = math.random(1000000)
      local b = llm.generate{ prompt = "then " .. r2 }
      return { r1 = r1, r2 = r2, t1 = t1, a = a.text, b = b.text }
    `;
    const handle = await w.start({ source, fileName: 'rand.lua', workflowId: `rand-${Date.now()}` });
    const result = (await handle.result()) as Record<string, string | number>;
    // Digest checks passed on each re-execution (else SpellNondeterminism): values were stable.
    expect(result.a).toBe(`echo: at ${result.r1} ${result.t1}`);
    expect(result.b).toBe(`echo: then ${result.r2}`);
    expect(result.r1).not.toBe(result.r2);
  });

  it.each([
    ['as the run\'s first boundary', ''],
    ['after another effect', 'llm.generate{ prompt = "first" }\n'],
  ])('raises StepTimeout in the script once a step\'s timeout holds after its retries (%s)', { timeout: 60_000 }, async (_, before) => {
    slowCalls = 0;
    const source = `${before}local ok, e = pcall(step, "slow", function() return llm.generate{ model = "test:slow", prompt = "x" }.text end, { timeout = 1 })
      return { ok = ok, type = e.type, message = e.message }`;
    const handle = await w.start({ source, fileName: 'timeout.lua', options: { maxAttempts: 2 } });
    expect(await handle.result()).toMatchObject({ ok: false, type: 'StepTimeout', message: expect.stringMatching(/timed out/) });
    // One model request per attempt: the timeout held each time.
    expect(slowCalls).toBe(2);
    const journal = (await readHistory(w.client, handle.workflowId)).entries;
    expect(journal.at(-1)).toMatchObject({ kind: 'step', name: 'slow', error: { type: 'StepTimeout' } });
  });
});
