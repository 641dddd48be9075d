/**
 * Kept runs: an engine host keeps a run stopped at a boundary, and the run's next execution
 * takes the script up where it stopped instead of re-executing it from the top. What the
 * workflow sees must not change: each execution's outcome is what a re-execution gives.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { EnginePool } from '../../src/engines/pool.ts';
import type { RunOutcome } from '../../src/contract/index.ts';
import type { JournalEntry } from '../../src/journal/types.ts';
import type { EffectRequest, EffectResult } from '../../src/runtime/protocol.ts';
import { runOnce, type RunOnceOptions } from '../helpers/engine.ts';

const ENGINES = ['lua', 'javascript', 'tengo'] as const;

/** Three model calls with state, events, logs, random numbers and the clock around them. */
const SCRIPTS: Record<(typeof ENGINES)[number], string> = {
  lua: `
    state.set("n", 0)
    local out = {}
    for i = 1, 3 do
      local r = llm.generate{ prompt = "step " .. i .. " " .. math.floor(math.random() * 1000) }
      state.set("n", state.get("n") + 1)
      event.emit("step", { i = i })
      log.info("did", { i = i })
      out[i] = r.echoed.prompt
    end
    return { out = out, n = state.get("n"), t = os.time() }
  `,
  javascript: `
    state.set("n", 0);
    const out = [];
    for (let i = 1; i <= 3; i++) {
      const r = await llm.generate({ prompt: "step " + i + " " + Math.floor(Math.random() * 1000) });
      state.set("n", state.get("n") + 1);
      event.emit("step", { i });
      log.info("did", { i });
      out.push(r.echoed.prompt);
    }
    return { out, n: state.get("n"), t: Math.floor(Date.now() / 1000) };
  `,
  tengo: `
    rand := import("rand")
    times := import("times")
    state.set("n", 0)
    out := []
    for i := 1; i <= 3; i++ {
      r := llm.generate({prompt: "step " + string(i) + " " + string(int(rand.float() * 1000))})
      state.set("n", state.get("n") + 1)
      event.emit("step", {i: i})
      log.info("did", {i: i})
      out = append(out, r.echoed.prompt)
    }
    return {out: out, n: state.get("n"), t: times.time_unix(times.now())}
  `,
};

const keeping = new EnginePool({ maxThreadsPerEngine: 1 });
const notKeeping = new EnginePool({ maxThreadsPerEngine: 1, keepRuns: false });
/** One run at a time in a JavaScript process too: a host keeps no more runs than that. */
const single = new EnginePool({ maxThreadsPerEngine: 1, runsPerProcess: 1 });
afterAll(() => Promise.all([keeping.close(), notKeeping.close(), single.close()]));

let runs = 0;
/** A run id of its own per test: a host keeps runs by workflow id, run id and chain. */
const spellId = () => `kept-${runs++}`;

/** Each effect takes 1 ms of the clock, so entries carry real timings. */
const effect = async (request: EffectRequest): Promise<EffectResult> => {
  await new Promise((resolve) => setTimeout(resolve, 1));
  return { ok: true, value: { echoed: request.args } };
};

/** Runs a script to the end, one execution per boundary, as the workflow does: the journal grows by what each reports. */
async function runToEnd(pool: EnginePool, engine: string, options: RunOnceOptions = {}) {
  const journal: JournalEntry[] = [];
  const outcomes: RunOutcome[] = [];
  for (;;) {
    const reportFromCall = outcomes.at(-1)?.calls ?? 0;
    const outcome = await runOnce(pool, SCRIPTS[engine as keyof typeof SCRIPTS], { engine, effect, spellId: spellId(), ...options, journal: [...journal], reportFromCall });
    outcomes.push(outcome);
    journal.push(...outcome.entries);
    if (outcome.next.type !== 'boundary') return { journal, outcomes };
  }
}

/** What the workflow keeps of an outcome, but the timings of the effects it ran (and the clock the script read after them). */
const seen = (outcome: RunOutcome) => ({
  entries: outcome.entries.map(({ startedAt: _s, durationMs: _d, ...entry }) => entry),
  events: outcome.events,
  logs: outcome.logs,
  stateOps: outcome.stateOps,
  calls: outcome.calls,
  next: outcome.next.type === 'done' ? { ...outcome.next, result: { ...(outcome.next.result as object), t: undefined } } : outcome.next,
});

describe.each(ENGINES)('kept runs in %s', (engine) => {
  it('takes each execution up where the last stopped, and reports what re-executing from the top reports', async () => {
    const id = spellId();
    const before = { ...keeping.executions };
    const kept = await runToEnd(keeping, engine, { spellId: id });
    // One execution per model call, each running on to the next: the first starts the script, the two after it take it up.
    expect(keeping.executions.total - before.total).toBe(3);
    expect(keeping.executions.resumed - before.resumed).toBe(2);
    // No call answered from the journal: each execution ran only what was new.
    expect(keeping.executions.replayedCalls - before.replayedCalls).toBe(0);
    // Each execution against the same journal, re-executed from the top.
    for (const [k, outcome] of kept.outcomes.entries()) {
      const journal = kept.outcomes.slice(0, k).flatMap((earlier) => earlier.entries);
      const fresh = await runOnce(notKeeping, SCRIPTS[engine], { engine, effect, spellId: id, journal, reportFromCall: kept.outcomes[k - 1]?.calls ?? 0 });
      expect(seen(outcome)).toEqual(seen(fresh));
    }
    const last = kept.journal.at(-1)!;
    expect(kept.outcomes.at(-1)!.next).toEqual({
      type: 'done',
      // The clock the script reads is the end of the last call it passed.
      result: { out: [expect.stringMatching(/^step 1 \d+$/), expect.stringMatching(/^step 2 \d+$/), expect.stringMatching(/^step 3 \d+$/)], n: 3, t: Math.floor((last.startedAt + last.durationMs) / 1000) },
    });
  });

  it('re-executes from the top when the journal does not hold what the last execution recorded', async () => {
    const id = spellId();
    const first = await runOnce(keeping, SCRIPTS[engine], { engine, effect, spellId: id });
    expect(first.entries).toHaveLength(1);
    // The workflow journaled a failure against the call instead (its attempt timed out, say).
    const failed: JournalEntry = { ...first.entries[0]!, error: { type: 'SpellTimeout', message: 'the activity timed out' } };
    delete failed.result;
    const before = { ...keeping.executions };
    const next = await runOnce(keeping, SCRIPTS[engine], { engine, effect, spellId: id, journal: [failed] });
    expect(keeping.executions.resumed).toBe(before.resumed);
    // The script sees the failure (Lua and JavaScript raise it; in Tengo it is an error value it then indexes).
    expect(next.next.type).toBe('failed');
    const fresh = await runOnce(notKeeping, SCRIPTS[engine], { engine, effect, spellId: id, journal: [failed] });
    expect(seen(next)).toEqual(seen(fresh));
  });

  it('re-executes from the top on another attempt (the script was told its attempt)', async () => {
    const id = spellId();
    const first = await runOnce(keeping, SCRIPTS[engine], { engine, effect, spellId: id });
    const before = { ...keeping.executions };
    const next = await runOnce(keeping, SCRIPTS[engine], { engine, effect, spellId: id, journal: first.entries, attempt: 2 });
    expect(keeping.executions.resumed).toBe(before.resumed);
    expect(next.entries.map((entry) => entry.attempt)).toEqual([2]);
  });

  it('lets another run take the host: the run it kept re-executes from the top, with the same outcome', async () => {
    const [a, b] = [spellId(), spellId()];
    const a1 = await runOnce(single, SCRIPTS[engine], { engine, effect, spellId: a });
    await runOnce(single, SCRIPTS[engine], { engine, effect, spellId: b });
    const before = { ...single.executions };
    const a2 = await runOnce(single, SCRIPTS[engine], { engine, effect, spellId: a, journal: a1.entries });
    expect(single.executions.resumed).toBe(before.resumed);
    const fresh = await runOnce(notKeeping, SCRIPTS[engine], { engine, effect, spellId: a, journal: a1.entries });
    expect(seen(a2)).toEqual(seen(fresh));
  });
});

describe('JavaScript awaiting several calls at once, kept and re-executed from the top alike', () => {
  /** Runs to the end, one execution per boundary, as the workflow does (at most 8). */
  const toEnd = async (pool: EnginePool, source: string, id: string, answer: typeof effect = effect) => {
    const outcomes: RunOutcome[] = [];
    for (let executions = 0; executions < 8; executions++) {
      const journal = outcomes.flatMap((outcome) => outcome.entries);
      const outcome = await runOnce(pool, source, { engine: 'javascript', effect: answer, spellId: id, journal, reportFromCall: outcomes.at(-1)?.calls ?? 0 });
      outcomes.push(outcome);
      if (outcome.next.type !== 'boundary') return outcomes;
    }
    throw new Error(`no end after 8 executions: ${JSON.stringify(outcomes.map((outcome) => outcome.next))}`);
  };

  it('Promise.all of two calls, then a third', async () => {
    const source = `
      const [a, b] = await Promise.all([llm.generate({ prompt: "a" }), llm.generate({ prompt: "b" })]);
      state.set("x", 1);
      const c = await llm.generate({ prompt: "c" + Math.floor(Math.random() * 1000) });
      return [a.echoed.prompt, b.echoed.prompt, c.echoed.prompt];
    `;
    const kept = await toEnd(keeping, source, 'kept-concurrent');
    const fresh = await toEnd(notKeeping, source, 'kept-concurrent');
    expect(kept.map(seen)).toEqual(fresh.map(seen));
    expect(kept.at(-1)!.next).toEqual({ type: 'done', result: ['a', 'b', expect.stringMatching(/^c\d+$/)] });
  });

  it('a call whose answer the script handles (state) while another call waits', async () => {
    // The answer to "a" comes while "b" waits for the next execution: the script reads and changes state with it.
    const source = `
      state.set("seen", []);
      const first = llm.generate({ prompt: "a" }).then((r) => {
        const seen = state.get("seen");
        seen.push(r.echoed.prompt);
        state.set("seen", seen);
      });
      const b = await llm.generate({ prompt: "b" });
      await first;
      return state.get("seen").join(",") + b.echoed.prompt;
    `;
    const kept = await toEnd(keeping, source, 'kept-then');
    const fresh = await toEnd(notKeeping, source, 'kept-then');
    expect(kept.map(seen)).toEqual(fresh.map(seen));
    expect(kept.at(-1)!.next).toEqual({ type: 'done', result: 'ab' });
  });

  it('a script that returns while one call is under way and another waits', async () => {
    const source = `
      try {
        await Promise.all([llm.generate({ prompt: "a" }), llm.generate({ prompt: "b" }), llm.generate({ prompt: "c" })]);
        return "all";
      } catch (e) {
        return "caught " + e.message;
      }
    `;
    // "a" fails at once; "b" is still under way when the script returns.
    const answer = async (request: EffectRequest): Promise<EffectResult> => {
      const prompt = (request.args as { prompt: string }).prompt;
      if (prompt === 'a') return { ok: false, error: { type: 'ProviderError', message: 'a failed' } };
      await new Promise((resolve) => setTimeout(resolve, 10));
      return { ok: true, value: { echoed: request.args } };
    };
    const kept = await toEnd(keeping, source, 'kept-returned', answer);
    const fresh = await toEnd(notKeeping, source, 'kept-returned', answer);
    expect(kept.map(seen)).toEqual(fresh.map(seen));
    expect(kept.at(-1)!.next).toEqual({ type: 'done', result: 'caught a failed' });
  });
});

