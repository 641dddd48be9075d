/**
 * Conformance: every spell in spells/ exists once per engine (`name.lua`, `name.js`, `name.tengo`) with one
 * expected file (`name.json`). Each engine must give the expected result, the same result as
 * the others, and the same journal (kinds, names, argument digests). Each run is then resumed
 * from its Temporal history on a fresh engine pool, as a new worker would after a crash: it
 * must reach the same result without running any effect again. A new engine adds its spell
 * files (its extension is in SPELL_EXTENSIONS).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { SPELL_EXTENSIONS } from '../../src/engines/registry.ts';
type EngineName = string;
import { EnginePool } from '../../src/engines/pool.ts';
import { BRIDGE_EVENTS, type Json, type JournalEntry } from '../../src/journal/types.ts';
import { eventsQuery, spellSignal } from '../../src/workflows/api.ts';
import { readHistory, runsOf } from '../../src/cli/history.ts';
import { resolveSettings, type SpellRunOptions } from '../../src/contract/settings.ts';
import { startTestWorker, type TestWorker } from '../helpers/worker.ts';
import { runOnce } from '../helpers/engine.ts';

const dir = join(import.meta.dirname, 'spells');
const ENGINES = Object.keys(SPELL_EXTENSIONS) as EngineName[];
const fileOf = (name: string, engine: EngineName) => `${name}${SPELL_EXTENSIONS[engine]}`;

interface Expected {
  input?: Json;
  options?: SpellRunOptions;
  signals?: Array<[string, Json]>;
  result?: Json;
  error?: { type: string; message?: string };
  events?: Array<{ name: string; data: Json }>;
}

interface Run {
  engine: EngineName;
  result?: Json;
  error?: { type: string; message: string };
  journal: JournalEntry[];
  events: Array<{ name: string; data: Json }>;
  /** All journal chains of the run's latest run (continue-as-new makes more than one run). */
  chains: Record<string, JournalEntry[]>;
  source: string;
  workflowId: string;
}

const names = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -5))
  .sort();

let w: TestWorker;
const pool = new EnginePool({ maxThreadsPerEngine: 2 });
beforeAll(async () => {
  w = await startTestWorker({
    tools: {
      add: (args) => (args as { a: number }).a + (args as { b: number }).b,
      repeat: (args) => (args as { text: string }).text.repeat((args as { times: number }).times),
      explode: (args) => {
        throw new Error(`boom: ${(args as { why: string }).why}`);
      },
    },
  });
});
afterAll(async () => {
  await w.close();
  await pool.close();
});

async function runSpell(name: string, engine: EngineName, expected: Expected): Promise<Run> {
  const source = readFileSync(join(dir, fileOf(name, engine)), 'utf8');
  const handle = await w.start({
    source,
    // The full path: spell.spawn finds children/ next to the spell.
    fileName: join(dir, fileOf(name, engine)),
    engine,
    options: { seed: 20261124, ...expected.options },
    ...(expected.input !== undefined ? { input: expected.input } : {}),
  });
  for (const [signal, payload] of expected.signals ?? []) await handle.signal(spellSignal, { name: signal, payload });
  const run: Run = { engine, journal: [], chains: {}, events: [], source, workflowId: handle.workflowId };
  try {
    run.result = await handle.result();
  } catch (error) {
    if (!(error instanceof WorkflowFailedError) || !(error.cause instanceof ApplicationFailure)) throw error;
    run.error = { type: error.cause.type ?? '', message: error.cause.message };
  }
  const history = await readHistory(w.client, handle.workflowId);
  run.journal = history.entries;
  run.chains = history.runs.at(-1)!.chains;
  // Script events: bridge events carry timings, which differ between runs.
  run.events = (await handle.query(eventsQuery)).filter((e) => !BRIDGE_EVENTS.includes(e.name)).map((e) => ({ name: e.name, data: e.data }));
  return run;
}

/** What must be equal across engines: the shape of each journaled call in every chain, not timings. */
const shape = (chains: Record<string, JournalEntry[]>) =>
  Object.entries(chains).sort(([a], [b]) => a.localeCompare(b)).map(([chain, journal]) => [chain, journalShape(journal)]);
const journalShape = (journal: JournalEntry[]) =>
  journal.map((e) => ({
    seq: e.seq,
    kind: e.kind,
    name: e.name,
    argsDigest: e.argsDigest,
    ok: e.error === undefined,
    children: e.children?.map((c) => `${c.kind} ${c.name} ${c.argsDigest}`),
  }));

it('has at least 40 spells, each in every engine', () => {
  expect(names.length).toBeGreaterThanOrEqual(40);
  for (const name of names) for (const engine of ENGINES) expect(readdirSync(dir)).toContain(fileOf(name, engine));
});

describe.each(names)('%s', (name) => {
  it('gives the expected result and the same journal in every engine, and resumes from history', async () => {
    const expected = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Expected;
    const runs = await Promise.all(ENGINES.map((engine) => runSpell(name, engine, expected)));
    for (const run of runs) {
      if (expected.error) {
        expect(run.error, run.engine).toMatchObject(expected.error);
      } else {
        expect(run.error, `${run.engine}: ${run.error?.message}`).toBeUndefined();
        if (expected.result !== null && typeof expected.result === 'object' && !Array.isArray(expected.result)) {
          expect(run.result, run.engine).toMatchObject(expected.result as object);
        } else {
          expect(run.result, run.engine).toEqual(expected.result);
        }
      }
      if (expected.events) expect(run.events, run.engine).toEqual(expected.events);
    }
    const [first, ...others] = runs;
    for (const other of others) {
      expect(other.result, `${other.engine} vs ${first!.engine}`).toEqual(first!.result);
      expect(other.error?.type).toEqual(first!.error?.type);
      expect(shape(other.chains), `${other.engine} journal vs ${first!.engine}`).toEqual(shape(first!.chains));
    }
    // Resume from history on a fresh pool: every recorded call replays, no effect runs again.
    for (const run of runs) {
      let effects = 0;
      const latest = (await runsOf(w.client, run.workflowId)).at(-1)!;
      const settings = resolveSettings(latest.spell.options, run.workflowId, latest.spell.carried?.generation);
      const outcome = await runOnce(pool, run.source, {
        engine: run.engine,
        fileName: fileOf(name, run.engine),
        input: latest.spell.input ?? null,
        journal: run.journal,
        spellId: run.workflowId,
        seed: settings.seed,
        limits: settings.limits,
        startedAtMs: latest.startedAtMs,
        ...(latest.spell.carried ? { initialState: latest.spell.carried.state, carriedUsage: latest.spell.carried.usage } : {}),
        effect: async () => {
          effects++;
          return { ok: true, value: null };
        },
      });
      expect(effects, run.engine).toBe(0);
      if (run.error) {
        expect(outcome.next).toMatchObject({ type: 'failed', error: { type: run.error.type } });
      } else {
        expect(outcome.next, run.engine).toEqual({ type: 'done', result: run.result ?? null });
      }
    }
  });
});
