/**
 * Per-run cache of source, input, settings and journal chains on this worker, so an
 * activity's input can carry references instead of payloads (DESIGN §2, "History stays linear").
 */
import { EMPTY_JOURNAL_HASH, rollJournalHash } from '../journal/canonical.ts';
import type { JournalEntry } from '../journal/types.ts';
import type { ChainRef, SpellWorkflowInput } from '../contract/run.ts';
import type { RunSettings } from '../contract/settings.ts';

export interface CachedChain {
  entries: JournalEntry[];
  /** Rolling hash of `entries`. */
  hash: string;
}

export interface CachedRun {
  spell: SpellWorkflowInput;
  sourceHash: string;
  settings: RunSettings;
  chains: Map<string, CachedChain>;
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

export function chainOf(run: CachedRun, path: string): CachedChain {
  let chain = run.chains.get(path);
  if (!chain) run.chains.set(path, (chain = { entries: [], hash: EMPTY_JOURNAL_HASH }));
  return chain;
}

/** Appends entries the chain does not hold yet (a tail may repeat entries another activity already brought). */
export function appendEntries(chain: CachedChain, entries: readonly JournalEntry[]): void {
  for (const entry of entries) {
    if (entry.seq < chain.entries.length) continue;
    if (entry.seq > chain.entries.length) return; // a gap: the chain will not match its reference, and is rebuilt
    chain.entries.push(entry);
    chain.hash = rollJournalHash(chain.hash, entry);
  }
}

/** The chain matches what the workflow holds (length and rolling hash); a longer cached chain is cut back first. */
export function matches(chain: CachedChain, ref: ChainRef): boolean {
  if (chain.entries.length > ref.length) {
    chain.entries.length = ref.length;
    chain.hash = chain.entries.reduce((hash, entry) => rollJournalHash(hash, entry), EMPTY_JOURNAL_HASH);
  }
  return chain.entries.length === ref.length && chain.hash === ref.hash;
}
