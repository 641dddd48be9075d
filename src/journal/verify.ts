/**
 * Checks a journal chain read back from history or an export (DESIGN §2, prevHash): every
 * entry's prevHash must be the hash of the chain before it, and the chain's last hash, when
 * known, what the workflow held. A changed entry breaks the link after it (or the last hash),
 * and the check names it.
 */
import { EMPTY_JOURNAL_HASH, chainHash, entryDigest } from './canonical.ts';
import { entryPath, type JournalEntry } from './types.ts';

export type ChainCheck =
  | { ok: true; entries: number; unchained: number }
  | { ok: false; path: string; problem: string };

/** `sha` lets a Node caller use its native sha-256; `finalHash` is the chain's hash after its last entry, when known. */
export function verifyChain(chain: string, entries: readonly JournalEntry[], finalHash?: string, sha?: (text: string) => string): ChainCheck {
  let hash = EMPTY_JOURNAL_HASH;
  let unchained = 0;
  for (const [i, entry] of entries.entries()) {
    // Entries journaled before prevHash existed (v0.1.0) carry none: the chain starts after them.
    if (entry.prevHash === undefined) {
      unchained++;
      hash = chainHash(hash, entryDigest(entry, sha), sha);
      continue;
    }
    if (entry.prevHash !== hash) {
      // Either the entry before was changed, or this entry (its prevHash) was: if this entry still
      // links on to the next one (or to the chain's last hash), it is intact. With nothing after it
      // to tell, the entry before is named: edits are to content more often than to hashes.
      const after = i + 1 < entries.length ? entries[i + 1]!.prevHash : finalHash || undefined;
      const intact = after === undefined || chainHash(entry.prevHash, entryDigest(entry, sha), sha) === after;
      const changed = intact && i > 0 ? entries[i - 1]! : entry;
      return { ok: false, path: entryPath(chain, changed.seq), problem: changedMessage(changed === entry ? 'its prevHash does not match the entries before it' : 'its content does not match the hash the next entry records') };
    }
    hash = chainHash(hash, entryDigest(entry, sha), sha);
  }
  const last = entries.at(-1);
  if (last && finalHash !== undefined && finalHash !== '' && hash !== finalHash) {
    return { ok: false, path: entryPath(chain, last.seq), problem: changedMessage('its content does not match the chain hash the workflow holds') };
  }
  return { ok: true, entries: entries.length, unchained };
}

const changedMessage = (why: string) => `the entry was changed after it was journaled: ${why}`;
