/** Every example runs, in every engine, with the same result (offline model, deterministic). */
import { readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { SPELL_EXTENSIONS, engineFor } from '../src/engines/registry.ts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { repoRoot, startTestWorker, type TestWorker } from './helpers/worker.ts';
import type { Json } from '../src/journal/types.ts';
import { spellSignal } from '../src/workflows/api.ts';

const dir = join(repoRoot, 'examples');
const names = [...new Set(readdirSync(dir).map((f) => f.slice(0, -extname(f).length)))].sort();

let w: TestWorker;
beforeAll(async () => {
  // agent-with-mcp names an MCP server "text": the test fixture serves one.
  w = await startTestWorker({
    mcpServers: { text: { command: process.execPath, args: ['--disable-warning=ExperimentalWarning', join(repoRoot, 'test/fixtures/mcp-server.ts')] } },
  });
});
afterAll(() => w.close());

/** Inputs by example (the map runs over fewer items here; bench/ and the workflow tests run 1,000). */
const INPUTS: Record<string, Json> = { map: { count: 25 } };
/** Signals by example: the queue worker gets 25 jobs (it continues as new after 20), then stop. */
const SIGNALS: Record<string, Array<[string, Json]>> = {
  'queue-worker': [...Array.from({ length: 25 }, (_, i): [string, Json] => ['job', { text: `job ${i + 1}` }]), ['job', { stop: true }]],
};

async function run(file: string): Promise<unknown> {
  const name = file.slice(0, -extname(file).length);
  const handle = await w.start({
    source: readFileSync(join(dir, file), 'utf8'),
    fileName: join(dir, file),
    engine: engineFor(file).name,
    input: INPUTS[name] ?? { name: 'Ada' },
  });
  for (const [signal, payload] of SIGNALS[name] ?? []) await handle.signal(spellSignal, { name: signal, payload });
  return handle.result();
}

it.each(names)('%s runs in Lua, JavaScript and Tengo with the same result', async (name) => {
  const [lua, ...others] = await Promise.all(Object.values(SPELL_EXTENSIONS).map((extension) => run(`${name}${extension}`)));
  for (const other of others) expect(other).toEqual(lua);
  expect(lua).toBeTruthy();
});

it('guardrail-hook refuses and rewrites as documented', async () => {
  expect(await run('guardrail-hook.lua')).toEqual({
    refused: true,
    reason: 'llm.generate refused: prompts must not mention passwords',
    answer: 'echo: Say something kind.',
  });
});

it('map squares every item in order; the queue worker takes every job across a continue-as-new', async () => {
  expect(await run('map.lua')).toEqual({ items: 25, sum: 5525, last: 625 });
  expect(await run('queue-worker.js')).toEqual({ done: 25, last: 'echo: Summarize: job 25' });
});

it('structured-output returns an object matching its schema', async () => {
  expect(await run('structured-output.js')).toEqual({
    name: 'echo: Invent a person who likes rivers.',
    age: 0,
    hobbies: ['echo: Invent a person who likes rivers.'],
  });
});
