/**
 * Offline re-execution of a recorded run against its journal — every chain, branches
 * included — with no model or tool called: what `replay`, `upgrade`, `check` and
 * `history --verify` share. The run comes from Temporal history or from an export file.
 */
import { canonicalJson } from '../journal/canonical.ts';
import { MAIN_CHAIN, entryPath, journaledCalls, pathTo, type Json, type JournalEntry, type SpellErrorData } from '../journal/types.ts';
import type { RunSpellInput, SpellWorkflowInput } from '../contract/run.ts';
import type { EnginePool } from '../engines/pool.ts';
import { runRequestOf } from '../activities/index.ts';
import { cachedRunOf, chainOf } from '../activities/run-cache.ts';

/** A recorded run, as history or an export holds it. */
export interface RecordedRun {
  workflowId: string;
  runId: string;
  spell: SpellWorkflowInput;
  startedAtMs: number;
  chains: Record<string, JournalEntry[]>;
  result?: Json;
}

export type ReplayReport =
  /** The script finished; `matches` says whether with the recorded result (null: the run had not). */
  | { status: 'replayed'; calls: number; result: Json; matches: boolean | null }
  /** Every recorded call agreed, and the script goes on past them (a run still going, or more work in a changed spell). */
  | { status: 'open'; calls: number; at: string }
  /** The script asked for another call than the journal holds (SpellNondeterminism), or failed. */
  | { status: 'failed'; calls: number; error: SpellErrorData };

/**
 * A run that has ended holds every call its script made: a script (`who`) that replays all of
 * them and asks for another diverges there.
 */
export function pastTheEnd(report: ReplayReport, ended: boolean, who = 'the script'): SpellErrorData | undefined {
  if (report.status !== 'open' || !ended) return undefined;
  return { type: 'SpellNondeterminism', message: `call #${report.at}: the run ended, but ${who} asks for another call` };
}

/** Re-executes `run` (with `source` instead of its own, to check a changed spell) against its journal. */
export async function replayRecorded(pool: EnginePool, run: RecordedRun, source = run.spell.source): Promise<ReplayReport> {
  const cached = cachedRunOf({ ...run.spell, source }, run.workflowId, run.chains);
  const calls = journaledCalls(run.chains);
  // Branches first, the main line last: its outcome is the run's.
  const paths = [...new Set([...cached.chains.keys(), MAIN_CHAIN])].sort((a, b) => (a === MAIN_CHAIN ? 1 : b === MAIN_CHAIN ? -1 : a.localeCompare(b)));
  let open: string | undefined;
  for (const target of paths) {
    const input: RunSpellInput = {
      sourceHash: cached.sourceHash,
      startedAtMs: run.spell.fork?.startedAtMs ?? run.startedAtMs,
      target,
      // Each ancestor up to the parallel call that leads to the target, as a live run has it.
      chains: [
        ...pathTo(target).map((step) => ({ chain: step.chain, length: step.seq, hash: '' })),
        { chain: target, length: chainOf(cached, target).entries.length, hash: '' },
      ],
      reportFromCall: Number.MAX_SAFE_INTEGER,
      maxAttempts: 1,
      history: { events: 0, bytes: 0, suggested: false },
    };
    let effectAt: string | undefined;
    const outcome = await pool.run(runRequestOf(cached, input, { workflowId: run.workflowId, runId: run.runId }, 1), {
      effect: async (request) => {
        effectAt ??= request.key;
        return { ok: false, error: { type: 'SpellNondeterminism', message: 'the script made a call that history does not hold' } };
      },
      checkpoint: () => {},
    });
    const next = outcome.next;
    if (next.type === 'boundary' || effectAt !== undefined) {
      open ??= effectAt ?? (next.type === 'boundary' ? entryPath(target, next.call.seq) : target);
      continue;
    }
    if (next.type === 'failed' && (next.error.type === 'SpellNondeterminism' || target === MAIN_CHAIN)) return { status: 'failed', calls, error: next.error };
    if (target === MAIN_CHAIN && next.type === 'done' && open === undefined) {
      return { status: 'replayed', calls, result: next.result, matches: run.result === undefined ? null : canonicalJson(next.result) === canonicalJson(run.result) };
    }
  }
  return { status: 'open', calls, at: open ?? 'the main line' };
}
