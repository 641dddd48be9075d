/** The real local model (SmolLM2-135M, GGUF via llama.cpp) through spells: shape and durability, not wording. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { JSONSchema7, LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4FunctionTool, LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { providersFromEnv, DEFAULT_LOCAL_MODEL } from '../../src/models/providers.ts';
import { readHistory } from '../../src/cli/history.ts';
import { example, startTestWorker, type TestWorker } from '../helpers/worker.ts';
import type { Json } from '../../src/journal/types.ts';
import { existsSync } from 'node:fs';

let w: TestWorker;
let model: LanguageModelV4;
/** What the host tool `word_count` was called with, in order. */
const wordCounts: Json[] = [];
beforeAll(async () => {
  // scripts/test.sh bootstraps the weights; without them this suite must fail, not skip.
  expect(existsSync(DEFAULT_LOCAL_MODEL), `missing ${DEFAULT_LOCAL_MODEL}: run scripts/bootstrap.sh`).toBe(true);
  const providers = providersFromEnv({});
  // The worker's own model instance: the unit tests below share its weights and its lock.
  model = providers.local!.languageModel('smollm2') as LanguageModelV4;
  w = await startTestWorker({
    providers,
    tools: {
      word_count: {
        description: 'Counts the words of a text',
        schema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
        execute: (args) => {
          wordCounts.push(args);
          const text = (args as { text?: unknown }).text;
          return { words: typeof text === 'string' ? text.split(/\s+/).filter(Boolean).length : 0 };
        },
      },
    },
  });
});
afterAll(() => w.close());

it.each([
  ['lua', 'local r = llm.generate{ model = "local:smollm2", system = "You are brief.", prompt = "Name a fruit.", max_tokens = 12 }\nreturn r'],
  ['javascript', 'return await llm.generate({ model: "local:smollm2", system: "You are brief.", prompt: "Name a fruit.", max_tokens: 12 })'],
] as const)('generates text with the local model from %s, journaled once', async (engine, source) => {
  const handle = await w.start({ source, fileName: engine === 'lua' ? 'local.lua' : 'local.js', engine });
  const result = (await handle.result()) as { text: string; finish_reason: string; usage: { output_tokens: number; input_tokens: number }; model: string };
  expect(result.text.trim().length).toBeGreaterThan(0);
  expect(result.model).toBe('local:smollm2');
  expect(['stop', 'length']).toContain(result.finish_reason);
  expect(result.usage.output_tokens).toBeGreaterThan(0);
  expect(result.usage.output_tokens).toBeLessThanOrEqual(12);
  expect(result.usage.input_tokens).toBeGreaterThan(3);
  const history = await readHistory(w.client, handle.workflowId);
  expect(history.entries).toHaveLength(1);
  expect(history.entries[0]).toMatchObject({ kind: 'llm.generate', name: 'local:smollm2', result: { text: result.text } });
}, 120_000);

it('holds a multi-turn exchange between two roles through state', async () => {
  const source = `
    local q = llm.generate{ model = "local:smollm2", system = "You ask one short question.", prompt = "Ask about the sea.", max_tokens = 20 }
    state.set("question", q.text)
    local a = llm.generate{ model = "local:smollm2", system = "You answer in one sentence.", messages = {
      { role = "user", content = state.get("question") } }, max_tokens = 20 }
    return { question = q.text, answer = a.text }
  `;
  const handle = await w.start({ source, fileName: 'exchange.lua' });
  const result = (await handle.result()) as { question: string; answer: string };
  expect(result.question.length).toBeGreaterThan(0);
  expect(result.answer.length).toBeGreaterThan(0);
  expect((await readHistory(w.client, handle.workflowId)).entries.map((e) => e.name)).toEqual(['local:smollm2', 'local:smollm2']);
}, 120_000);

it('streams from the local model: the chunks make up the text and are journaled with it', async () => {
  const source = 'local n = 0\nlocal r = llm.stream{ model = "local:smollm2", prompt = "Count to five.", max_tokens = 16, on_chunk = function() n = n + 1 end }\nreturn { text = r.text, chunks = r.chunks, seen = n }';
  const handle = await w.start({ source, fileName: 'stream.lua' });
  const result = (await handle.result()) as { text: string; chunks: string[]; seen: number };
  expect(result.chunks.length).toBeGreaterThan(1);
  expect(result.chunks.join('')).toBe(result.text);
  expect(result.seen).toBe(result.chunks.length);
  const [entry] = (await readHistory(w.client, handle.workflowId)).entries;
  expect(entry).toMatchObject({ kind: 'llm.stream', result: { text: result.text, chunks: result.chunks } });
}, 120_000);

it('runs a two-agent exchange on the local model, handing work over through state', async () => {
  const source = `
    local asker = agent.create{ name = "asker", model = "local:smollm2", instructions = "Ask one short question about the sea.", max_steps = 1, max_tokens = 24 }
    local answerer = agent.create{ name = "answerer", model = "local:smollm2", instructions = "Answer in one sentence.", max_steps = 1, max_tokens = 24 }
    state.set("question", asker:run("Ask.").text)
    local a = answerer:run(state.get("question"))
    return { question = state.get("question"), answer = a.text, steps = #a.steps }
  `;
  const handle = await w.start({ source, fileName: 'agents.lua', options: { limits: { timeoutMs: 60_000 } } });
  const result = (await handle.result()) as { question: string; answer: string; steps: number };
  expect(result.question.length).toBeGreaterThan(0);
  expect(result.answer.length).toBeGreaterThan(0);
  expect(result.steps).toBe(1);
  expect((await readHistory(w.client, handle.workflowId)).entries.map((e) => `${e.kind} ${e.name}`)).toEqual(['agent.run asker', 'agent.run answerer']);
}, 120_000);

it.each(['structured-output.lua', 'structured-output.js', 'structured-output.tengo'])(
  'llm.object on the local model parses and matches the schema: %s as shipped, --model local:smollm2',
  async (file) => {
    const engine = file.endsWith('.lua') ? 'lua' : file.endsWith('.js') ? 'javascript' : 'tengo';
    const handle = await w.start({ source: await example(file), fileName: file, engine, options: { defaultModel: 'local:smollm2', limits: { timeoutMs: 60_000 } } });
    const person = (await handle.result()) as { name: unknown; age: unknown; hobbies: unknown };
    expect(Object.keys(person).sort()).toEqual(['age', 'hobbies', 'name']);
    expect(typeof person.name).toBe('string');
    expect((person.name as string).length).toBeGreaterThan(0);
    expect(Number.isInteger(person.age)).toBe(true);
    expect(Array.isArray(person.hobbies) && person.hobbies.every((h) => typeof h === 'string')).toBe(true);
    const [entry] = (await readHistory(w.client, handle.workflowId)).entries;
    expect(entry).toMatchObject({ kind: 'llm.object', name: 'local:smollm2', result: { object: person } });
  },
  120_000,
);

it('llm.object on the local model fills a nested schema: an array of objects, an enum, an integer', async () => {
  const source = `
    local r = llm.object{
      model = "local:smollm2", prompt = "Describe a small town by a river.", temperature = 0, seed = 7, max_tokens = 80,
      schema = {
        type = "object",
        properties = {
          name = { type = "string" },
          kind = { enum = { "town", "city", "village" } },
          founded = { type = "integer" },
          streets = { type = "array", items = { type = "object",
            properties = { name = { type = "string" }, length_km = { type = "number" } }, required = { "name", "length_km" } } },
        },
        required = { "name", "kind", "founded", "streets" },
      },
    }
    return { object = r.object, finish_reason = r.finish_reason, output_tokens = r.usage.output_tokens }
  `;
  const handle = await w.start({ source, fileName: 'town.lua', options: { limits: { timeoutMs: 60_000 } } });
  const result = (await handle.result()) as {
    object: { name: string; kind: string; founded: number; streets: Array<{ name: string; length_km: number }> };
    finish_reason: string;
    output_tokens: number;
  };
  const town = result.object;
  expect(typeof town.name).toBe('string');
  expect(['town', 'city', 'village']).toContain(town.kind);
  expect(Number.isSafeInteger(town.founded)).toBe(true);
  expect(Array.isArray(town.streets)).toBe(true);
  for (const street of town.streets) {
    expect(Object.keys(street).sort()).toEqual(['length_km', 'name']);
    expect(typeof street.name).toBe('string');
    expect(typeof street.length_km).toBe('number');
  }
  expect(result.finish_reason).toBe('stop');
  expect(result.output_tokens).toBeLessThanOrEqual(80);
}, 120_000);

it('an agent on the local model calls a host tool and then answers in text', async () => {
  wordCounts.length = 0;
  const source = `
    local counter = agent.create{ name = "counter", model = "local:smollm2", instructions = "Use word_count to answer.",
      tools = { "word_count" }, max_steps = 3, max_tokens = 40 }
    local r = counter:run("How many words are in 'durable spells never forget'?")
    return { text = r.text, steps = r.steps, finish_reason = r.finish_reason }
  `;
  const handle = await w.start({ source, fileName: 'counter.lua', options: { limits: { timeoutMs: 110_000 } } });
  const result = (await handle.result()) as {
    text: string;
    finish_reason: string;
    steps: Array<{ tool_calls: Array<{ name: string; args: Json }>; tool_results: Array<{ name: string; result: Json }>; finish_reason: string }>;
  };
  expect(wordCounts.length).toBeGreaterThanOrEqual(1);
  expect(wordCounts[0]).toEqual({ text: expect.any(String) });
  const [first] = result.steps;
  expect(first!.finish_reason).toBe('tool-calls');
  expect(first!.tool_calls).toEqual([{ name: 'word_count', args: wordCounts[0] }]);
  expect(first!.tool_results).toEqual([{ name: 'word_count', result: { words: expect.any(Number) } }]);
  expect(result.finish_reason).toBe('stop');
  expect(result.text.trim().length).toBeGreaterThan(0);
  expect(result.text).not.toContain('<tool_call>');
  // One journaled effect; the tool results were journaled through the AI SDK's loop inside it.
  expect((await readHistory(w.client, handle.workflowId)).entries.map((e) => `${e.kind} ${e.name}`)).toEqual(['agent.run counter']);
}, 120_000);

const weather: LanguageModelV4FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Returns the current weather of a city',
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
const wordCount: LanguageModelV4FunctionTool = {
  type: 'function',
  name: 'word_count',
  description: 'Counts the words of a text',
  inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
};
const ask = (text: string, more: Partial<LanguageModelV4CallOptions> = {}): LanguageModelV4CallOptions => ({
  prompt: [{ role: 'user', content: [{ type: 'text', text }] }],
  temperature: 0,
  seed: 1,
  maxOutputTokens: 40,
  ...more,
});

it('a forced tool choice returns a tool-call part with arguments of that tool\'s schema (doGenerate)', async () => {
  const r = await model.doGenerate(ask('What is the weather in Paris?', { tools: [wordCount, weather], toolChoice: { type: 'tool', toolName: 'get_weather' } }));
  expect(r.finishReason.unified).toBe('tool-calls');
  expect(r.content).toEqual([{ type: 'tool-call', toolCallId: expect.any(String), toolName: 'get_weather', input: expect.any(String) }]);
  const input = JSON.parse((r.content[0] as { input: string }).input) as Record<string, unknown>;
  expect(Object.keys(input)).toEqual(['city']);
  expect(typeof input.city).toBe('string');
}, 120_000);

it('reads a tool result from the prompt and answers in text rather than calling again (doGenerate, toolChoice auto)', async () => {
  const r = await model.doGenerate({
    ...ask('How many words are in "the river runs"?', { tools: [wordCount] }),
    prompt: [
      { role: 'system', content: 'Use word_count to answer.' },
      { role: 'user', content: [{ type: 'text', text: 'How many words are in "the river runs"?' }] },
      { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'call_1', toolName: 'word_count', input: { text: 'the river runs' } }] },
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'call_1', toolName: 'word_count', output: { type: 'json', value: { words: 3 } } }] },
    ],
  });
  expect(r.finishReason.unified).toBe('stop');
  expect(r.content).toEqual([{ type: 'text', text: expect.any(String) }]);
  const text = (r.content[0] as { text: string }).text;
  expect(text.length).toBeGreaterThan(0);
  expect(text).not.toContain('<tool_call>');
}, 120_000);

it('streams a required tool call as tool-input parts and a tool-call part (doStream)', async () => {
  const { stream } = await model.doStream(ask('Count the words in "the river runs".', { tools: [wordCount], toolChoice: { type: 'required' } }));
  const parts: LanguageModelV4StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  expect(parts.map((p) => p.type)).toEqual(['stream-start', 'tool-input-start', 'tool-input-delta', 'tool-input-end', 'tool-call', 'finish']);
  const call = parts.find((p) => p.type === 'tool-call')!;
  expect(call).toMatchObject({ toolName: 'word_count' });
  expect(JSON.parse((call as { input: string }).input)).toEqual({ text: expect.any(String) });
  expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'tool-calls' } });
}, 120_000);

it('streams JSON under a schema: the deltas make up text that parses (doStream)', async () => {
  const schema: JSONSchema7 = { type: 'object', properties: { colour: { type: 'string' }, count: { type: 'integer' } }, required: ['colour', 'count'] };
  const { stream } = await model.doStream(ask('Name a colour and a number.', { responseFormat: { type: 'json', schema } }));
  let text = '';
  let finish: unknown;
  for await (const part of stream) {
    if (part.type === 'text-delta') text += part.delta;
    if (part.type === 'finish') finish = part.finishReason.unified;
  }
  expect(finish).toBe('stop');
  const value = JSON.parse(text) as Record<string, unknown>;
  expect(Object.keys(value)).toEqual(['colour', 'count']);
  expect(typeof value.colour).toBe('string');
  expect(Number.isInteger(value.count)).toBe(true);
}, 120_000);
