import { expect, it } from 'vitest';
import { argsDigest } from '../../src/journal/canonical.ts';
import { cachedArgsDigest } from '../../src/runtime/digest-cache.ts';
import type { Json } from '../../src/journal/types.ts';

it('gives arguments the digest of their canonical JSON, cached or not, whatever the key order', () => {
  const values: Json[] = [{ prompt: 'a', model: 'm' }, { model: 'm', prompt: 'a' }, { prompt: 'b', model: 'm' }, null, [1, 'x'], { key: 'é' }];
  for (let round = 0; round < 2; round++) {
    for (const value of values) expect(cachedArgsDigest(value)).toBe(argsDigest(value));
  }
  expect(cachedArgsDigest(values[0]!)).toBe(cachedArgsDigest(values[1]!));
  expect(cachedArgsDigest(values[0]!)).not.toBe(cachedArgsDigest(values[2]!));
});

it('stays right past its bounds: long arguments, and more arguments than it keeps', () => {
  const long = { prompt: 'x'.repeat(20_000) };
  expect(cachedArgsDigest(long)).toBe(argsDigest(long));
  for (let i = 0; i < 300; i++) {
    const value = { prompt: `${i}`.padEnd(5_000, '.') };
    expect(cachedArgsDigest(value)).toBe(argsDigest(value));
  }
  const first = { prompt: '0'.padEnd(5_000, '.') };
  expect(cachedArgsDigest(first)).toBe(argsDigest(first));
});
