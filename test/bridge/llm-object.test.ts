import { afterAll, beforeAll, expect, it } from 'vitest';
import { MockLanguageModelV4 } from 'ai/test';
import { providerOf } from '../../src/models/registry.ts';
import { readHistory } from '../../src/cli/history.ts';
import { startTestWorker, type TestWorker } from '../helpers/worker.ts';
import { usageOf } from '../helpers/models.ts';

/** A model that answers a fixed text, whatever it is asked. */
const answering = (text: string) =>
  new MockLanguageModelV4({
    doGenerate: async () => ({
      content: [{ type: 'text', text }],
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: usageOf(4, 6),
      warnings: [],
    }),
  });

let w: TestWorker;
beforeAll(async () => {
  w = await startTestWorker({
    providers: {
      fixed: providerOf({
        good: answering('{"name":"Ada","age":36,"tags":["math"]}'),
        wrong: answering('{"name":"Ada","age":"thirty-six","tags":[]}'),
        prose: answering('Sure! Ada is 36.'),
      }),
    },
  });
});
afterAll(() => w.close());

const luaSchema = '{ type = "object", properties = { name = { type = "string" }, age = { type = "integer" }, tags = { type = "array", items = { type = "string" } } }, required = { "name", "age", "tags" } }';
const jsSchema = '{ type: "object", properties: { name: { type: "string" }, age: { type: "integer" }, tags: { type: "array", items: { type: "string" } } }, required: ["name", "age", "tags"] }';

it.each([
  ['lua', `local r = llm.object{ model = "fixed:good", prompt = "Who?", schema = ${luaSchema} }\nreturn r`],
  ['javascript', `return await llm.object({ model: "fixed:good", prompt: "Who?", schema: ${jsSchema} })`],
] as const)('returns the validated object from %s, journaled with usage', async (engine, source) => {
  const handle = await w.start({ source, fileName: engine === 'lua' ? 'o.lua' : 'o.js', engine });
  expect(await handle.result()).toEqual({
    object: { name: 'Ada', age: 36, tags: ['math'] },
    finish_reason: 'stop',
    usage: { input_tokens: 4, output_tokens: 6, total_tokens: 10 },
    model: 'fixed:good',
  });
  const [entry] = (await readHistory(w.client, handle.workflowId)).entries;
  expect(entry).toMatchObject({ kind: 'llm.object', name: 'fixed:good', usage: { totalTokens: 10 } });
});

it('raises LlmObjectMismatch naming the schema path when the answer does not match', async () => {
  const source = `local ok, e = pcall(llm.object, { model = "fixed:wrong", prompt = "Who?", schema = ${luaSchema} })
local ok2, e2 = pcall(llm.object, { model = "fixed:prose", prompt = "Who?", schema = ${luaSchema} })
return { e.type, e.message, e2.type }`;
  const handle = await w.start({ source, fileName: 'mismatch.lua' });
  const [type, message, type2] = (await handle.result()) as string[];
  expect(type).toBe('LlmObjectMismatch');
  expect(message).toMatch(/^fixed:wrong: the answer does not match the schema at "age": Invalid input: expected number, received string$/);
  expect(type2).toBe('LlmObjectMismatch');
});

it('builds a matching object with the offline model, strings echoing the prompt', async () => {
  const handle = await w.start({ source: `return llm.object{ prompt = "Who?", schema = ${luaSchema} }.object`, fileName: 'offline.lua' });
  expect(await handle.result()).toEqual({ name: 'echo: Who?', age: 0, tags: ['echo: Who?'] });
});

it('rejects a schema that is not JSON Schema, naming the field', async () => {
  const handle = await w.start({ source: 'local ok, e = pcall(llm.object, { prompt = "x", schema = { type = "bogus" } })\nreturn { e.type, e.message }', fileName: 'bad.lua' });
  const [type, message] = (await handle.result()) as string[];
  expect(type).toBe('SpellBridgeArgument');
  expect(message).toMatch(/^llm\.object: field "schema": not a usable JSON Schema/);
});
