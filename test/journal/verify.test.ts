import { describe, expect, it } from 'vitest';
import { EMPTY_JOURNAL_HASH, chainHash, entryDigest } from '../../src/journal/canonical.ts';
import type { JournalEntry } from '../../src/journal/types.ts';
import { verifyChain } from '../../src/journal/verify.ts';

/** A chain as the workflow writes it: each entry records the hash before it; returns the chain's last hash too. */
function chained(results: string[]): { entries: JournalEntry[]; finalHash: string } {
  let hash = EMPTY_JOURNAL_HASH;
  const entries = results.map((result, seq) => {
    const entry = { seq, kind: 'llm.generate', name: 'm', argsDigest: `d${seq}`, result, prevHash: hash } as unknown as JournalEntry;
    hash = chainHash(hash, entryDigest(entry));
    return entry;
  });
  return { entries, finalHash: hash };
}

describe('verifyChain', () => {
  it('accepts a chain as written, and counts entries journaled before prevHash existed', () => {
    const { entries, finalHash } = chained(['a', 'b', 'c']);
    expect(verifyChain('', entries, finalHash)).toEqual({ ok: true, entries: 3, unchained: 0 });
    const old = entries.map(({ prevHash: _, ...rest }) => rest as JournalEntry);
    expect(verifyChain('', old)).toEqual({ ok: true, entries: 3, unchained: 3 });
  });

  it('names the entry whose content changed, in the middle, first and last place, and in a branch', () => {
    const edit = (at: number) => {
      const { entries, finalHash } = chained(['a', 'b', 'c']);
      entries[at] = { ...entries[at]!, result: 'forged' } as JournalEntry;
      return { entries, finalHash };
    };
    for (const at of [0, 1, 2]) {
      const { entries, finalHash } = edit(at);
      expect(verifyChain('', entries, finalHash)).toMatchObject({ ok: false, path: String(at), problem: expect.stringMatching(/changed after it was journaled/) });
    }
    const { entries, finalHash } = edit(0);
    expect(verifyChain('1/0', entries, finalHash)).toMatchObject({ ok: false, path: '1/0/0' });
  });

  it('names an entry whose prevHash was rewritten, and a dropped entry', () => {
    const { entries, finalHash } = chained(['a', 'b', 'c']);
    const rewritten = entries.map((e, i) => (i === 1 ? ({ ...e, prevHash: EMPTY_JOURNAL_HASH } as JournalEntry) : e));
    expect(verifyChain('', rewritten, finalHash)).toMatchObject({ ok: false, path: '1', problem: expect.stringMatching(/prevHash/) });
    expect(verifyChain('', [entries[0]!, entries[2]!], finalHash)).toMatchObject({ ok: false });
  });
});
