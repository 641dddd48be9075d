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

describe('JavaScript awaiting several calls at once', () => {
  // Re-executed from the top every time: what the workflow sees with no run kept between executions.
  const fromTop = new EnginePool({ maxThreadsPerEngine: 1, keepRuns: false });
  afterAll(() => fromTop.close());

  it('journals each call once, one execution each, and the run ends', async () => {
    const source = `
      const [a, b] = await Promise.all([llm.generate({ prompt: "a" }), tool.call("lookup", { q: "b" })]);
      const c = await llm.generate({ prompt: "c" });
      return [a.echoed.prompt, b.echoed.args.q, c.echoed.prompt];
    `;
    const journal: JournalEntry[] = [];
    let effects = 0;
    for (let executions = 1; executions <= 5; executions++) {
      const outcome = await runOnce(fromTop, source, {
        engine: 'javascript',
        journal: [...journal],
        effect: async (request) => {
          effects++;
          // The first call is still under way when the second asks to run.
          await new Promise((resolve) => setTimeout(resolve, 5));
          return { ok: true, value: { echoed: request.args } };
        },
      });
      journal.push(...outcome.entries);
      if (outcome.next.type === 'boundary') continue;
      expect(outcome.next).toEqual({ type: 'done', result: ['a', 'b', 'c'] });
      expect(executions).toBe(3);
      expect(effects).toBe(3);
      expect(journal.map((entry) => [entry.seq, entry.kind])).toEqual([
        [0, 'llm.generate'],
        [1, 'tool.call'],
        [2, 'llm.generate'],
      ]);
      return;
    }
    throw new Error(`the run did not end: journal ${JSON.stringify(journal.map((entry) => entry.kind))}, ${effects} effects`);
  });

  it('journals a call the script did not await before it returned', async () => {
    let effects = 0;
    const outcome = await runOnce(fromTop, 'llm.generate({ prompt: "unawaited" });\nreturn 1;', {
      engine: 'javascript',
      effect: async (request) => {
        effects++;
        await new Promise((resolve) => setTimeout(resolve, 5));
        return { ok: true, value: { echoed: request.args } };
      },
    });
    expect(outcome.next).toEqual({ type: 'done', result: 1 });
    expect(effects).toBe(1);
    expect(outcome.entries.map((entry) => [entry.seq, entry.kind, entry.result])).toEqual([[0, 'llm.generate', { echoed: { prompt: 'unawaited', model: 'offline:echo' } }]]);
  });
});

/** The same patched spell in each engine: a deliberate change to the first call's prompt. */
const PATCHED: Record<string, { old: string; patched: string }> = {
  lua: {
    old: 'local a = llm.generate{ prompt = "first" }\nreturn a.echoed.prompt',
    patched: 'local prompt = "first"\nif spell.patched("polite") then prompt = "please: first" end\nlocal a = llm.generate{ prompt = prompt }\nreturn a.echoed.prompt',
  },
  javascript: {
    old: 'const a = await llm.generate({ prompt: "first" });\nreturn a.echoed.prompt;',
    patched: 'const prompt = spell.patched("polite") ? "please: first" : "first";\nconst a = await llm.generate({ prompt });\nreturn a.echoed.prompt;',
  },
  tengo: {
    old: 'a := llm.generate({prompt: "first"})\nreturn a.echoed.prompt',
    patched: 'prompt := "first"\nif spell.patched("polite") { prompt = "please: first" }\na := llm.generate({prompt: prompt})\nreturn a.echoed.prompt',
  },
};

describe.each(Object.keys(PATCHED))('spell.patched in %s', (engine) => {
  const { old, patched } = PATCHED[engine]!;
  const run = async (source: string, journal: JournalEntry[]) => {
    let effects = 0;
    for (;;) {
      const outcome = await runOnce(pool, source, {
        engine,
        journal: [...journal],
        effect: async (request) => {
          effects++;
          return { ok: true, value: { echoed: request.args } };
        },
      });
      journal.push(...outcome.entries);
      if (outcome.next.type !== 'boundary') return { result: resultOf(outcome), journal, effects };
    }
  };

  it('a new run takes the patched path, and journals that it did', async () => {
    const fresh = await run(patched, []);
    expect(fresh.result).toBe('please: first');
    expect(fresh.journal.map((e) => [e.kind, e.result === true ? true : undefined])).toEqual([['spell.patched', true], ['llm.generate', undefined]]);
    // Replayed against its own journal: the same path, nothing run again.
    expect(await run(patched, [...fresh.journal])).toMatchObject({ result: 'please: first', effects: 0 });
  });

  it('a journal recorded before the patch replays the old path, taking no place in it', async () => {
    const before = await run(old, []);
    const replayed = await run(patched, [...before.journal]);
    expect(replayed).toMatchObject({ result: 'first', effects: 0 });
    expect(replayed.journal).toHaveLength(1);
  });
});
