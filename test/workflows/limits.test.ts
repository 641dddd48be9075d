/**
 * Limits that hold (DESIGN §2 "Large values", "Failures and retries"): large values go through
 * External Storage with history staying small, and floods through state, events, logs, step
 * results, tool arguments and results end in success or a typed error — never an untyped
 * failure, never a stuck run — in every engine, with the worker healthy afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Json } from '../../src/journal/types.ts';
import type { SpellRunOptions } from '../../src/contract/settings.ts';
import { isSpellErrorType } from '../../src/contract/errors.ts';
import { SPELL_EXTENSIONS } from '../../src/engines/registry.ts';
import { startTestWorker, type TestWorker } from '../helpers/worker.ts';

const MB = 1_000_000;
const ENGINES = ['lua', 'javascript', 'tengo'] as const;
type Engine = (typeof ENGINES)[number];

let w: TestWorker;
let small: TestWorker;
beforeAll(async () => {
  const tools = {
    blob: (args: Json) => 'x'.repeat((args as { bytes: number }).bytes),
    echo: (args: Json) => ({ length: JSON.stringify(args).length }),
  };
  w = await startTestWorker({ tools });
  // A worker whose activity results are bounded at 4 MB: an aggregate flood over it.
  small = await startTestWorker({ tools, maxResultBytes: 4 * MB });
});
afterAll(async () => {
  await w.close();
  await small.close();
});

/** The same spell in each engine's language. */
interface Case {
  name: string;
  source: Record<Engine, string>;
  /** Expected result, or the typed error the run fails with. */
  expect: { result: Json } | { error: string; message?: RegExp };
  options?: SpellRunOptions;
  worker?: () => TestWorker;
}

const CASES: Case[] = [
  {
    name: '3 MB of state (3,000 keys of 1 KB), then a step',
    source: {
      lua: 'for i = 1, 3000 do state.set("k" .. i, string.rep("v", 1000)) end\nreturn step("after", function() return #state.keys() end)',
      javascript: 'for (let i = 1; i <= 3000; i++) state.set("k" + i, "v".repeat(1000));\nreturn await step("after", async () => state.keys().length);',
      tengo: 'text := import("text")\nfor i := 1; i <= 3000; i++ { state.set("k" + string(i), text.repeat("v", 1000)) }\nreturn step("after", func() { return len(state.keys()) })',
    },
    expect: { result: 3000 },
  },
  {
    name: '3,000 events of 1 KB',
    source: {
      lua: 'for i = 1, 3000 do event.emit("e", { i = i, pad = string.rep("p", 1000) }) end\nreturn step("after", function() return "ok" end)',
      javascript: 'for (let i = 1; i <= 3000; i++) event.emit("e", { i, pad: "p".repeat(1000) });\nreturn await step("after", async () => "ok");',
      tengo: 'text := import("text")\nfor i := 1; i <= 3000; i++ { event.emit("e", {i: i, pad: text.repeat("p", 1000)}) }\nreturn step("after", func() { return "ok" })',
    },
    expect: { result: 'ok' },
  },
  {
    name: '5,000 logs of 1 KB',
    source: {
      lua: 'for i = 1, 5000 do log.info(string.rep("l", 1000)) end\nreturn "logged"',
      javascript: 'for (let i = 1; i <= 5000; i++) log.info("l".repeat(1000));\nreturn "logged";',
      tengo: 'text := import("text")\nfor i := 1; i <= 5000; i++ { log.info(text.repeat("l", 1000)) }\nreturn "logged"',
    },
    expect: { result: 'logged' },
  },
  {
    name: 'five step results of 900 KB',
    source: {
      lua: 'local total = 0\nfor i = 1, 5 do total = total + #step("s" .. i, function() return string.rep("r", 900000) end) end\nreturn total',
      javascript: 'let total = 0;\nfor (let i = 1; i <= 5; i++) total += (await step("s" + i, async () => "r".repeat(900000))).length;\nreturn total;',
      tengo: 'text := import("text")\ntotal := 0\nfor i := 1; i <= 5; i++ { total += len(step("s" + string(i), func() { return text.repeat("r", 900000) })) }\nreturn total',
    },
    expect: { result: 4_500_000 },
  },
  {
    name: 'a 20 MB result from a host tool',
    source: {
      lua: 'return #tool.call("blob", { bytes = 20000000 })',
      javascript: 'return (await tool.call("blob", { bytes: 20000000 })).length;',
      tengo: 'return len(tool.call("blob", {bytes: 20000000}))',
    },
    expect: { result: 20_000_000 },
    options: { limits: { memoryLimitBytes: 256 * 1024 * 1024 } },
  },
  {
    name: 'a 200 MB result from a host tool',
    source: {
      lua: 'return #tool.call("blob", { bytes = 200000000 })',
      javascript: 'return (await tool.call("blob", { bytes: 200000000 })).length;',
      tengo: 'return len(tool.call("blob", {bytes: 200000000}))',
    },
    expect: { error: 'SpellOutputLimit', message: /tool\.call "blob" result: 200000002 bytes of JSON is over the output limit/ },
  },
  {
    name: 'a tool argument over the output limit',
    source: {
      lua: 'return tool.call("echo", { blob = string.rep("a", 2000000) })',
      javascript: 'return await tool.call("echo", { blob: "a".repeat(2000000) });',
      tengo: 'text := import("text")\nreturn tool.call("echo", {blob: text.repeat("a", 2000000)})',
    },
    expect: { error: 'SpellOutputLimit', message: /over the output limit of 1048576 bytes/ },
    options: { limits: { outputLimitBytes: 1024 * 1024 } },
  },
  {
    name: 'a step result over the output limit',
    source: {
      lua: 'return step("big", function() return string.rep("b", 2000000) end)',
      javascript: 'return await step("big", async () => "b".repeat(2000000));',
      tengo: 'text := import("text")\nreturn step("big", func() { return text.repeat("b", 2000000) })',
    },
    expect: { error: 'SpellOutputLimit', message: /over the output limit of 1048576 bytes/ },
    options: { limits: { outputLimitBytes: 1024 * 1024 } },
  },
  {
    name: 'state over its total limit',
    source: {
      lua: 'for i = 1, 10 do state.set("k" .. i, string.rep("s", 500000)) end\nreturn "unreachable"',
      javascript: 'for (let i = 1; i <= 10; i++) state.set("k" + i, "s".repeat(500000));\nreturn "unreachable";',
      tengo: 'text := import("text")\nfor i := 1; i <= 10; i++ { state.set("k" + string(i), text.repeat("s", 500000)) }\nreturn "unreachable"',
    },
    expect: { error: 'SpellOutputLimit', message: /the run's state would hold \d+ bytes of JSON, over its limit of 2000000 bytes/ },
    options: { limits: { stateLimitBytes: 2 * MB } },
  },
  {
    name: 'events adding up to more than one activity result may hold',
    source: {
      lua: 'for i = 1, 6 do event.emit("e", string.rep("e", 900000)) end\nreturn step("after", function() return 1 end)',
      javascript: 'for (let i = 1; i <= 6; i++) event.emit("e", "e".repeat(900000));\nreturn await step("after", async () => 1);',
      tengo: 'text := import("text")\nfor i := 1; i <= 6; i++ { event.emit("e", text.repeat("e", 900000)) }\nreturn step("after", func() { return 1 })',
    },
    expect: { error: 'SpellOutputLimit', message: /over the limit of 4000000 bytes for one activity result/ },
    worker: () => small,
  },
  {
    name: 'a value nested deeper than 200 levels',
    source: {
      lua: 'local v = {}\nfor i = 1, 300 do v = { v } end\nstate.set("deep", v)\nreturn 1',
      javascript: 'let v = {};\nfor (let i = 0; i < 300; i++) v = { v };\nstate.set("deep", v);\nreturn 1;',
      // Tengo's failed call is an error value; returning it fails the run with its type.
      tengo: 'v := {}\nfor i := 0; i < 300; i++ { v = {v: v} }\ne := state.set("deep", v)\nreturn is_error(e) ? e : 1',
    },
    expect: { error: 'SpellBridgeArgument', message: /nesting deeper than 200 levels/ },
  },
];

interface Outcome {
  result?: Json;
  error?: { type: string; message: string };
  historyBytes: number;
}

async function run(worker: TestWorker, engine: Engine, c: Case): Promise<Outcome> {
  const handle = await worker.start({ source: c.source[engine], fileName: `limits${SPELL_EXTENSIONS[engine]}`, engine, ...(c.options ? { options: c.options } : {}) });
  let outcome: Omit<Outcome, 'historyBytes'>;
  try {
    outcome = { result: await handle.result() };
  } catch (error) {
    // Every failure a user sees is typed: an ApplicationFailure with a type from the contract.
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause;
    expect(cause, String(cause)).toBeInstanceOf(ApplicationFailure);
    expect(isSpellErrorType((cause as ApplicationFailure).type), (cause as ApplicationFailure).type ?? '').toBe(true);
    outcome = { error: { type: (cause as ApplicationFailure).type!, message: cause!.message } };
  }
  const historyBytes = Number((await handle.describe()).raw.workflowExecutionInfo?.historySizeBytes ?? 0);
  return { ...outcome, historyBytes };
}

describe.each(ENGINES)('%s', (engine) => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', { timeout: 180_000 }, async (_, c) => {
    const outcome = await run(c.worker?.() ?? w, engine, c);
    if ('result' in c.expect) {
      expect(outcome.error, outcome.error?.message).toBeUndefined();
      expect(outcome.result).toEqual(c.expect.result);
      // Large values live in External Storage: history holds references.
      expect(outcome.historyBytes).toBeLessThan(400_000);
    } else {
      expect(outcome.error?.type).toBe(c.expect.error);
      if (c.expect.message) expect(outcome.error?.message).toMatch(c.expect.message);
    }
    console.info(`[figures] ${engine}: ${c.name}: ${outcome.error ? outcome.error.type : 'completed'}, history ${outcome.historyBytes} bytes`);
  });

  it('runs the next spell normally on the same worker', async () => {
    expect(await run(w, engine, { name: 'after', source: { lua: 'return 1 + 1', javascript: 'return 1 + 1;', tengo: 'return 1 + 1' }, expect: { result: 2 } })).toMatchObject({ result: 2 });
  });
});
