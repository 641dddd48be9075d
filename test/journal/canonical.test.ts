import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { argsDigest, canonicalJson, chainHash, entryDigest, journalHash, EMPTY_JOURNAL_HASH } from '../../src/journal/canonical.ts';

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

  it('chains the journal hash entry by entry, the same with Node\'s sha-256 as with the pure one', () => {
    const entries = [{ seq: 0 }, { seq: 1 }];
    expect(journalHash(entries)).toBe(chainHash(chainHash(EMPTY_JOURNAL_HASH, entryDigest(entries[0])), entryDigest(entries[1])));
    expect(journalHash(entries)).not.toBe(journalHash([...entries].reverse()));
    const node = (text: string) => createHash('sha256').update(text).digest('hex');
    expect(chainHash(EMPTY_JOURNAL_HASH, entryDigest(entries[0], node), node)).toBe(chainHash(EMPTY_JOURNAL_HASH, entryDigest(entries[0])));
  });
});
