import { afterAll, beforeAll, expect, it } from 'vitest';
import { MockLanguageModelV4 } from 'ai/test';
import type { LanguageModelV4CallOptions, LanguageModelV4GenerateResult } from '@ai-sdk/provider';
import { createModelResolver, providerOf } from '../../src/models/registry.ts';
import { executeEffect } from '../../src/bridge/host.ts';
import type { HostTool } from '../../src/bridge/kind.ts';
import type { Json } from '../../src/journal/types.ts';
import { SPELL_EXTENSIONS } from '../../src/engines/registry.ts';
import { readHistory } from '../../src/cli/history.ts';
import { eventsQuery } from '../../src/workflows/api.ts';
import { startTestWorker, type TestWorker, repoRoot } from '../helpers/worker.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { usageOf } from '../helpers/models.ts';

const usage = usageOf(10, 5);

/** A model that asks for `add` until it has a tool result, then answers with it. */
function calculator(counter: { calls: number }) {
  return new MockLanguageModelV4({
    doGenerate: async (options: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> => {
      counter.calls++;
      const toolMessage = options.prompt.find((m) => m.role === 'tool');
      if (!toolMessage) {
        return {
          content: [{ type: 'tool-call', toolCallId: 'call-1', toolName: 'add', input: JSON.stringify({ a: 2, b: 3 }) }],
          finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
          usage,
          warnings: [],
        };
      }
      const part = toolMessage.content[0] as { output: { value: unknown } };
      return { content: [{ type: 'text', text: `the sum is ${JSON.stringify(part.output.value)}` }], finishReason: { unified: 'stop', raw: 'stop' }, usage, warnings: [] };
    },
  });
}

const counter = { calls: 0 };
let adds = 0;
const tools: Record<string, HostTool> = {
  add: {
    description: 'Adds two numbers',
    schema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
    execute: (args) => {
      adds++;
      const { a, b } = args as { a: number; b: number };
      return a + b;
    },
  },
};

/** A model that asks the `shout` tool (from an MCP server) once, then answers with its output. */
const shouter = new MockLanguageModelV4({
  doGenerate: async (options: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> => {
    const toolMessage = options.prompt.find((m) => m.role === 'tool');
    if (!toolMessage) {
      return { content: [{ type: 'tool-call', toolCallId: 's1', toolName: 'shout', input: JSON.stringify({ text: 'durable spells' }) }], finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage, warnings: [] };
    }
    return { content: [{ type: 'text', text: JSON.stringify((toolMessage.content[0] as { output: unknown }).output) }], finishReason: { unified: 'stop', raw: 'stop' }, usage, warnings: [] };
  },
});

/** A model that calls `toolName` once with `input`, then answers with the tool's output. */
const asking = (toolName: string, input: unknown) =>
  new MockLanguageModelV4({
    doGenerate: async (options: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> => {
      const toolMessage = options.prompt.find((m) => m.role === 'tool');
      if (!toolMessage) {
        return { content: [{ type: 'tool-call', toolCallId: 't1', toolName, input: JSON.stringify(input) }], finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage, warnings: [] };
      }
      return { content: [{ type: 'text', text: JSON.stringify((toolMessage.content[0] as { output: unknown }).output) }], finishReason: { unified: 'stop', raw: 'stop' }, usage, warnings: [] };
    },
  });

const mcpFixture = join(repoRoot, 'test/fixtures/mcp-server.ts');
let httpServer: ChildProcess;
let w: TestWorker;
beforeAll(async () => {
  httpServer = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', mcpFixture, '--http'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve) => httpServer.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
  w = await startTestWorker({
    providers: { test: providerOf({ calc: calculator(counter), shout: shouter, times: asking('times', { a: 6, b: 7 }), spy: asking('spy', {}) }) },
    tools,
    mcpServers: {
      local: { command: process.execPath, args: ['--disable-warning=ExperimentalWarning', mcpFixture] },
      remote: { url },
    },
  });
});
afterAll(async () => {
  await w.close();
  httpServer.kill();
});

it.each([
  ['lua', 'local calc = agent.create{ name = "calc", model = "test:calc", instructions = "Use tools.", tools = { "add" }, max_steps = 4 }\nreturn calc:run("What is 2 + 3?")'],
  ['javascript', 'const calc = agent.create({ name: "calc", model: "test:calc", instructions: "Use tools.", tools: ["add"], max_steps: 4 });\nreturn await calc.run("What is 2 + 3?")'],
] as const)('runs the AI SDK tool loop with host tools from %s, as one journaled effect', async (engine, source) => {
  const handle = await w.start({ source, fileName: engine === 'lua' ? 'agent.lua' : 'agent.js', engine });
  const result = (await handle.result()) as { text: string; steps: Array<Record<string, unknown>>; usage: { total_tokens: number } };
  expect(result.text).toBe('the sum is 5');
  expect(result.steps).toHaveLength(2);
  expect(result.steps[0]).toMatchObject({ tool_calls: [{ name: 'add', args: { a: 2, b: 3 } }], tool_results: [{ name: 'add', result: 5 }] });
  expect(result.usage.total_tokens).toBe(30);
  const history = await readHistory(w.client, handle.workflowId);
  expect(history.entries).toMatchObject([{ kind: 'agent.run', name: 'calc', usage: { totalTokens: 30 } }]);
  const events = (await handle.query(eventsQuery)).map((e) => e.name);
  expect(events).toEqual(['agent.start', 'agent.step', 'agent.step', 'agent.finish']);
});

it('resumes an agent run from its saved steps without repeating them', async () => {
  const fresh = { calls: 0 };
  const models = createModelResolver({ test: providerOf({ calc: calculator(fresh) }) });
  const args = { name: 'calc', model: 'test:calc', instructions: 'Use tools.', tools: ['add'], max_steps: 4, prompt: 'What is 2 + 3?' };
  const saved: Json[] = [];
  const first = await executeEffect({ kind: 'agent.run', key: '0', name: 'calc', args }, { models, tools }, {
    // Through JSON, as heartbeat details travel.
    progress: (p) => saved.push(JSON.parse(JSON.stringify(p)) as Json),
  });
  // Saved after each completed model call and tool call: answer 1, the add result, answer 2.
  expect(saved.map((p) => [(p as { model: unknown[] }).model.length, Object.keys((p as { tools: object }).tools).length])).toEqual([
    [1, 0],
    [1, 1],
    [2, 1],
  ]);
  expect(fresh.calls).toBe(2);
  for (const [point, expectedCalls, expectedAdds] of [[0, 1, 1], [1, 1, 0], [2, 0, 0]] as const) {
    // As if the worker died right after that save: nothing saved runs again.
    const [callsBefore, addsBefore] = [fresh.calls, adds];
    const resumed = await executeEffect({ kind: 'agent.run', key: '0', name: 'calc', args }, { models, tools }, { resume: saved[point]! });
    expect(fresh.calls - callsBefore, `resume from save #${point}: model calls`).toBe(expectedCalls);
    expect(adds - addsBefore, `resume from save #${point}: tool calls`).toBe(expectedAdds);
    expect(resumed).toEqual(first);
  }
});

it('refuses an agent tool that the worker does not have', async () => {
  const handle = await w.start({ source: 'local a = agent.create{ name = "x", model = "test:calc", instructions = "", tools = { "nope" } }\nlocal ok, e = pcall(a.run, a, "hi")\nreturn e.message', fileName: 'nope.lua' });
  expect(await handle.result()).toBe('agent "x": tool "nope" is not registered on this worker (registered: add)');
});

it.each([['stdio', 'local'], ['HTTP', 'remote']])('gives agents the tools of an MCP server over %s', async (_, server) => {
  const source = `local a = agent.create{ name = "mcp", model = "test:shout", instructions = "Shout.", tools = { "mcp:${server}" } }\nreturn a:run("go")`;
  const handle = await w.start({ source, fileName: 'mcp.lua' });
  const result = (await handle.result()) as { text: string; steps: Array<{ tool_calls: unknown[] }> };
  expect(result.steps[0]!.tool_calls).toEqual([{ name: 'shout', args: { text: 'durable spells' } }]);
  expect(result.text).toContain('DURABLE SPELLS');
});

it.each([
  ['lua', `tool.define{ name = "times", description = "Multiplies", schema = { type = "object", properties = { a = { type = "number" }, b = { type = "number" } } },
  fn = function(args) return { product = args.a * args.b, seen = state.get("k") } end }
state.set("k", "visible")
local a = agent.create{ name = "m", model = "test:times", instructions = "Multiply.", tools = { "times" } }
local r = a:run("6 times 7?")
return { text = r.text, result = r.steps[1].tool_results[1].result, listed = tool.list() }`],
  ['javascript', `tool.define({ name: "times", description: "Multiplies", schema: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } } },
  fn: (args) => ({ product: args.a * args.b, seen: state.get("k") }) });
state.set("k", "visible");
const a = agent.create({ name: "m", model: "test:times", instructions: "Multiply.", tools: ["times"] });
const r = await a.run("6 times 7?");
return { text: r.text, result: r.steps[0].tool_results[0].result, listed: tool.list() };`],
  ['tengo', `tool.define({name: "times", description: "Multiplies", schema: {type: "object", properties: {a: {type: "number"}, b: {type: "number"}}},
  fn: func(args) { return {product: args.a * args.b, seen: state.get("k")} }})
state.set("k", "visible")
a := agent.create({name: "m", model: "test:times", instructions: "Multiply.", tools: ["times"]})
r := a.run("6 times 7?")
return {text: r.text, result: r.steps[0].tool_results[0].result, listed: tool.list()}`],
] as const)('runs tools defined in the script (%s), which may read state', async (engine, source) => {
  const handle = await w.start({ source, fileName: `define${SPELL_EXTENSIONS[engine]}`, engine });
  const result = (await handle.result()) as { text: string; result: unknown; listed: string[] };
  expect(result.result).toEqual({ product: 42, seen: 'visible' });
  expect(result.text).toContain('42');
  expect(result.listed).toEqual(['times']);
});

it('refuses state changes inside a script tool: the tool is not run again on replay', async () => {
  const source = `tool.define{ name = "spy", fn = function() state.set("x", 1) return "changed" end }
local r = agent.create{ name = "s", model = "test:spy", instructions = "", tools = { "spy" } }:run("go")
return r.text`;
  const handle = await w.start({ source, fileName: 'spy.lua' });
  expect(await handle.result()).toMatch(/state\.set cannot be used inside a tool defined with tool\.define/);
});
