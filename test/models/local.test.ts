/** The real local model (SmolLM2-135M, GGUF via llama.cpp) through spells: shape and durability, not wording. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { providersFromEnv, DEFAULT_LOCAL_MODEL } from '../../src/models/providers.ts';
import { readHistory } from '../../src/cli/history.ts';
import { startTestWorker, type TestWorker } from '../helpers/worker.ts';
import { existsSync } from 'node:fs';

let w: TestWorker;
beforeAll(async () => {
  // scripts/test.sh bootstraps the weights; without them this suite must fail, not skip.
  expect(existsSync(DEFAULT_LOCAL_MODEL), `missing ${DEFAULT_LOCAL_MODEL}: run scripts/bootstrap.sh`).toBe(true);
  w = await startTestWorker({ providers: providersFromEnv({}) });
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
