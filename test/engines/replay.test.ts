import { afterAll, describe, expect, it } from 'vitest';
import { EnginePool } from '../../src/engines/pool.ts';
import type { JournalEntry } from '../../src/journal/types.ts';
import { errorOf, resultOf, runOnce } from '../helpers/engine.ts';

const pool = new EnginePool({ maxThreadsPerEngine: 1 });
afterAll(() => pool.close());

/** Runs a script to the end, one execution per new effect, as the workflow does. */
async function runToEnd(source: string): Promise<{ journal: JournalEntry[]; result: unknown; executions: number }> {
  const journal: JournalEntry[] = [];
  for (let executions = 1; ; executions++) {
    const outcome = await runOnce(pool, source, { journal: [...journal] });
    journal.push(...outcome.entries);
    if (outcome.next.type === 'done') return { journal, result: outcome.next.result, executions };
    if (outcome.next.type !== 'boundary') throw new Error(JSON.stringify(outcome.next));
  }
}

const original = `
  local a = llm.generate{ prompt = "first" }
  local b = tool.call("lookup", { q = a.echoed.prompt })
  local c = llm.generate{ prompt = "third" }
  return { a.echoed.prompt, b.echoed.args.q, c.echoed.prompt }
`;

describe('journaled re-execution', () => {
  it('replays recorded calls without running them again', async () => {
    const { journal, result, executions } = await runToEnd(original);
    expect(result).toEqual(['first', 'first', 'third']);
    expect(executions).toBe(3);
    let effects = 0;
    const replayed = await runOnce(pool, original, {
      journal,
      effect: async () => {
        effects++;
        return { ok: true, value: null };
      },
    });
    expect(resultOf(replayed)).toEqual(['first', 'first', 'third']);
    expect(effects).toBe(0);
  });

  it('reports SpellNondeterminism naming the first call that differs from history', async () => {
    const { journal } = await runToEnd(original);
    const changed = original.replace('tool.call("lookup"', 'tool.call("search"');
    const error = errorOf(await runOnce(pool, changed, { journal }));
    expect(error.type).toBe('SpellNondeterminism');
    expect(error.message).toMatch(
      /^call #1: history holds tool\.call "lookup" \(args digest [0-9a-f]{12}\) but the script asked for tool\.call "search" \(args digest [0-9a-f]{12}\)$/,
    );
  });

  it('reports changed arguments of the same call', async () => {
    const { journal } = await runToEnd(original);
    const error = errorOf(await runOnce(pool, original.replace('"third"', '"3rd"'), { journal }));
    expect(error.message).toMatch(/^call #2: history holds llm\.generate "offline:echo" \(args digest (\w+)\) but the script asked for llm\.generate "offline:echo" \(args digest (?!\1)\w+\)$/);
  });

  it('reports a script that stops before the calls history holds', async () => {
    const { journal } = await runToEnd(original);
    const error = errorOf(await runOnce(pool, 'return 1', { journal }));
    expect(error).toEqual({
      type: 'SpellNondeterminism',
      message: expect.stringMatching(/^call #0: history holds llm\.generate "offline:echo" .* but the script returned without making it$/),
    });
  });

  it('cannot be swallowed by pcall', async () => {
    const { journal } = await runToEnd(original);
    const sneaky = `
      local ok = pcall(function() return tool.call("other", {}) end)
      return "carried on"
    `;
    const error = errorOf(await runOnce(pool, sneaky, { journal }));
    expect(error.type).toBe('SpellNondeterminism');
  });
});
