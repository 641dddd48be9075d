/**
 * Per-run cache of source, input and journal on this worker, so an activity's input can
 * carry references instead of payloads (DESIGN §2, "History stays linear").
 */
import type { Json, JournalEntry } from '../journal/types.ts';
import { EMPTY_JOURNAL_HASH, rollJournalHash } from '../journal/canonical.ts';

export interface CachedRun {
  source: string;
  input: Json;
  sourceHash: string;
  journal: JournalEntry[];
  /** Rolling hash of `journal`. */
  hash: string;
}

export class RunCache {
  private readonly runs = new Map<string, CachedRun>();
  private readonly maxRuns: number;

  constructor(maxRuns = 1000) {
    this.maxRuns = maxRuns;
  }

  get(key: string): CachedRun | undefined {
    const run = this.runs.get(key);
    if (run) {
      // Map order is insertion order: re-inserting keeps the least recently used first.
      this.runs.delete(key);
      this.runs.set(key, run);
    }
    return run;
  }

  set(key: string, run: CachedRun): void {
    this.runs.delete(key);
    this.runs.set(key, run);
    while (this.runs.size > this.maxRuns) this.runs.delete(this.runs.keys().next().value!);
  }

  delete(key: string): void {
    this.runs.delete(key);
  }
}

export function appendEntries(run: CachedRun, entries: readonly JournalEntry[]): void {
  for (const entry of entries) {
    run.journal.push(entry);
    run.hash = rollJournalHash(run.hash, entry);
  }
}

export function emptyJournal(): Pick<CachedRun, 'journal' | 'hash'> {
  return { journal: [], hash: EMPTY_JOURNAL_HASH };
}
