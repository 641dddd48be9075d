/**
 * Per-run cache of source, input, settings and journal chains on this worker, so an
 * activity's input can carry references instead of payloads (DESIGN §2, "History stays linear").
 */
import { createHash } from 'node:crypto';
import { EMPTY_JOURNAL_HASH, canonicalJson, chainHash, entryDigest, journalHash, sourceHashOf } from '../journal/canonical.ts';
import type { JournalEntry } from '../journal/types.ts';
import type { ChainRef, SpellWorkflowInput } from '../contract/run.ts';
import { resolveSettings, type RunSettings } from '../contract/settings.ts';

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

/** A run as a worker keeps it: its input, settings and journal chains (a fork's copied calls on the main line). */
export function cachedRunOf(spell: SpellWorkflowInput, workflowId: string, chains: Readonly<Record<string, readonly JournalEntry[]>>): CachedRun {
  const run: CachedRun = {
    spell,
    sourceHash: sourceHashOf(spell.source),
    settings: resolveSettings(spell.options, workflowId, spell.carried?.generation),
    chains: new Map(),
  };
  for (const [path, entries] of Object.entries(chains)) appendEntries(chainOf(run, path), entries);
  return run;
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

/** Node's native sha-256: entries may hold large results. */
export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Appends entries the chain does not hold yet (a tail may repeat entries another activity already brought). */
export function appendEntries(chain: CachedChain, entries: readonly JournalEntry[]): void {
  for (const entry of entries) {
    if (entry.seq < chain.entries.length) continue;
    if (entry.seq > chain.entries.length) return; // a gap: the chain will not match its reference, and is rebuilt
    chain.entries.push(entry);
    chain.hash = chainHash(chain.hash, entryDigest(entry, sha256), sha256);
  }
}

/** An entry this large has its digest sent to the workflow, which would hash it slowly in its sandbox. */
const DIGEST_SENT_ABOVE_BYTES = 16 * 1024;

/** Appends an execution's new entries: each gets its prevHash; the digests of large ones go to the workflow with them. */
export function appendNew(chain: CachedChain, entries: readonly JournalEntry[]): Record<string, string> | undefined {
  const sent: Record<string, string> = {};
  entries.forEach((entry, i) => {
    entry.prevHash = chain.hash;
    const text = canonicalJson(entry);
    const digest = sha256(text);
    if (text.length > DIGEST_SENT_ABOVE_BYTES) sent[String(i)] = digest;
    chain.entries.push(entry);
    chain.hash = chainHash(chain.hash, digest, sha256);
  });
  return Object.keys(sent).length > 0 ? sent : undefined;
}

/**
 * The chain matches what the workflow holds (length and hash); a longer cached chain is cut
 * back first. An empty hash (an activity scheduled by v0.1.0, which hashed differently) checks
 * the length only.
 */
export function matches(chain: CachedChain, ref: ChainRef): boolean {
  if (chain.entries.length > ref.length) {
    chain.entries.length = ref.length;
    chain.hash = journalHash(chain.entries, sha256);
  }
  return chain.entries.length === ref.length && (ref.hash === '' || chain.hash === ref.hash);
}
