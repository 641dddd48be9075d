/** Every example runs, in every engine, with the same result (offline model, deterministic). */
import { readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { SPELL_EXTENSIONS, engineFor } from '../src/engines/registry.ts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { repoRoot, startTestWorker, type TestWorker } from './helpers/worker.ts';

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

async function run(file: string): Promise<unknown> {
  const handle = await w.start({
    source: readFileSync(join(dir, file), 'utf8'),
    fileName: file,
    engine: engineFor(file).name,
    input: { name: 'Ada' },
  });
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

it('structured-output returns an object matching its schema', async () => {
  expect(await run('structured-output.js')).toEqual({
    name: 'echo: Invent a person who likes rivers.',
    age: 0,
    hobbies: ['echo: Invent a person who likes rivers.'],
  });
});
