import canonicalizeModule from 'canonicalize';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * Canonical JSON (RFC 8785, sorted keys): table iteration order differs between engines,
 * so digests must not depend on it. Pure: used inside the workflow sandbox too.
 */
// The package's typings declare an ES default export; it is a CommonJS function export.
const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined;

export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value has no JSON form');
  return text;
}

/** Hex SHA-256 of a string. */
export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/** A spell source's hash, as activity inputs refer to it: 64 bits tell a run's sources apart. */
export function sourceHashOf(source: string): string {
  return sha256Hex(source).slice(0, 16);
}

/** Digest of a bridge call's arguments: 128 bits is plenty to tell calls apart. */
export function argsDigest(args: unknown): string {
  return sha256Hex(canonicalJson(args ?? null)).slice(0, 32);
}

/**
 * A journal chain's hash (DESIGN §2, prevHash): each entry records the hash of the chain
 * before it (`prevHash`), and the chain's hash after an entry is sha-256 over that hash and
 * the entry's own digest (sha-256 of its canonical JSON, prevHash included). So a journal read
 * back from history verifies end to end, and a worker checks its cached copy against the
 * workflow's by length and hash. `sha` lets the worker use Node's native sha-256 for large
 * entries; the workflow sandbox uses this pure one.
 */
export function entryDigest(entry: unknown, sha: (text: string) => string = sha256Hex): string {
  return sha(canonicalJson(entry));
}

export function chainHash(previous: string, digest: string, sha: (text: string) => string = sha256Hex): string {
  return sha(previous + digest);
}

/** The hash of an empty chain: the first entry's prevHash. */
export const EMPTY_JOURNAL_HASH = '0'.repeat(64);

/** The hash of a chain of entries, from the start. */
export function journalHash(entries: readonly unknown[], sha: (text: string) => string = sha256Hex): string {
  let hash = EMPTY_JOURNAL_HASH;
  for (const entry of entries) hash = chainHash(hash, entryDigest(entry, sha), sha);
  return hash;
}
