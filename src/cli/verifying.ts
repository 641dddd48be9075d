/**
 * `llmspell history --verify`: a journal read back is the one that was written. Each chain's
 * prevHash links must hold (DESIGN §2), and every entry must re-derive from the recorded
 * arguments: the script, replayed offline against the journal, asks for exactly those calls.
 */
import type { SpellErrorData } from '../journal/types.ts';
import { verifyChain } from '../journal/verify.ts';
import type { EnginePool } from '../engines/pool.ts';
import { sha256 } from '../activities/run-cache.ts';
import { replayRecorded, type RecordedRun } from './replaying.ts';

export interface VerifiedRun {
  runId: string;
  chains: number;
  entries: number;
  /** Entries journaled before prevHash existed (v0.1.0): hashed, but with no link to check. */
  unchained: number;
}

export type VerifyReport =
  | { status: 'verified'; runs: VerifiedRun[] }
  /** SpellJournalMismatch: an entry was changed (`where` is its path); SpellNondeterminism: the script does not re-derive it. */
  | { status: 'failed'; runs: VerifiedRun[]; error: SpellErrorData & { where: string } };

/** Checks every run of a workflow id, oldest first; `chainHashes` are an export's recorded final hashes. */
export async function verifyRuns(pool: EnginePool, runs: ReadonlyArray<RecordedRun & { chainHashes?: Record<string, string> }>): Promise<VerifyReport> {
  const verified: VerifiedRun[] = [];
  for (const run of runs) {
    const label = runs.length > 1 ? `run ${run.runId}: ` : '';
    let entries = 0;
    let unchained = 0;
    for (const [chain, chainEntries] of Object.entries(run.chains)) {
      const check = verifyChain(chain, chainEntries, run.chainHashes?.[chain], sha256);
      if (!check.ok) return { status: 'failed', runs: verified, error: { type: 'SpellJournalMismatch', message: `${label}entry #${check.path}: ${check.problem}`, where: check.path } };
      entries += check.entries;
      unchained += check.unchained;
    }
    const replayed = await replayRecorded(pool, run);
    if (replayed.status === 'failed' && replayed.error.type === 'SpellNondeterminism') {
      const where = /^call #(\S+?):/.exec(replayed.error.message)?.[1] ?? '';
      return { status: 'failed', runs: verified, error: { type: 'SpellNondeterminism', message: `${label}the journal does not re-derive from the script: ${replayed.error.message}`, where } };
    }
    if (replayed.status === 'replayed' && replayed.matches === false) {
      return { status: 'failed', runs: verified, error: { type: 'SpellNondeterminism', message: `${label}replayed, the script returns another result than the run recorded`, where: 'result' } };
    }
    verified.push({ runId: run.runId, chains: Object.keys(run.chains).length, entries, unchained });
  }
  return { status: 'verified', runs: verified };
}
