import { describe, expect, it } from 'vitest';
import { argsDigest, canonicalJson, journalHash, rollJournalHash, EMPTY_JOURNAL_HASH } from '../../src/journal/canonical.ts';

describe('canonical JSON', () => {
  it('does not depend on key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
    expect(argsDigest({ x: 1, y: 'two' })).toBe(argsDigest({ y: 'two', x: 1 }));
  });

  it('tells different arguments apart', () => {
    expect(argsDigest({ prompt: 'a' })).not.toBe(argsDigest({ prompt: 'b' }));
    expect(argsDigest([1, 2])).not.toBe(argsDigest([2, 1]));
    expect(argsDigest({ prompt: 'a' })).toMatch(/^[0-9a-f]{32}$/);
  });

  it('rolls the journal hash entry by entry', () => {
    const entries = [{ seq: 0 }, { seq: 1 }];
    expect(journalHash(entries)).toBe(rollJournalHash(rollJournalHash(EMPTY_JOURNAL_HASH, entries[0]), entries[1]));
    expect(journalHash(entries)).not.toBe(journalHash([...entries].reverse()));
  });
});
