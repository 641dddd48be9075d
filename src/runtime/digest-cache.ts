/**
 * Digests of bridge-call arguments, kept per engine thread (or process). Each step runs the
 * spell again from the top, so a run's calls come back with the same arguments at every
 * re-execution, each checked against its journal entry by digest (SHA-256 over canonical
 * JSON: ~7 µs of a replayed call's ~38 µs in Lua). Keyed by the arguments' JSON text: equal
 * texts are equal values, so they have one digest (a different key order only misses).
 */
import { argsDigest } from '../journal/canonical.ts';
import type { Json } from '../journal/types.ts';

/** Arguments longer than this (as JSON) are digested each time: a hit saves little there. */
const MAX_KEY_CHARS = 16 * 1024;
/** Characters of keys kept in all (~2 MB of strings at most), the oldest dropped first. */
const MAX_KEPT_CHARS = 1024 * 1024;

const digests = new Map<string, string>();
let keptChars = 0;

export function cachedArgsDigest(args: Json): string {
  const text = JSON.stringify(args ?? null);
  if (text.length > MAX_KEY_CHARS) return argsDigest(args);
  let digest = digests.get(text);
  if (digest === undefined) {
    digest = argsDigest(args);
    digests.set(text, digest);
    keptChars += text.length;
    for (const key of digests.keys()) {
      if (keptChars <= MAX_KEPT_CHARS) break;
      digests.delete(key);
      keptChars -= key.length;
    }
  }
  return digest;
}
