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

/** Digest of a bridge call's arguments: 128 bits is plenty to tell calls apart. */
export function argsDigest(args: unknown): string {
  return sha256Hex(canonicalJson(args ?? null)).slice(0, 32);
}

/** The rolling hash of a journal: lets a worker check its cached copy against the workflow's. */
export function rollJournalHash(previous: string, entry: unknown): string {
  return sha256Hex(previous + canonicalJson(entry)).slice(0, 32);
}

export const EMPTY_JOURNAL_HASH = '0';

export function journalHash(entries: readonly unknown[]): string {
  let hash = EMPTY_JOURNAL_HASH;
  for (const entry of entries) hash = rollJournalHash(hash, entry);
  return hash;
}
