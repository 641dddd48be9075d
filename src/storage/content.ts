/**
 * What every llmspell storage driver stores: a whole Temporal Payload (metadata and data)
 * in its protobuf encoding, addressed by the sha-256 of those bytes. Keeping the metadata
 * means a retrieved payload is exactly the one Temporal offloaded, whatever its encoding.
 */
import { createHash } from 'node:crypto';
import type { Payload } from '@temporalio/common';
// The default import: Node's ESM loader cannot see this CommonJS module's named exports.
import proto from '@temporalio/proto';
import { PayloadStoreError, type PayloadStoreErrorDetails } from './errors.ts';

const PayloadProto = proto.temporal.api.common.v1.Payload;

/** Lower-case hex sha-256: the content address of a stored payload. */
const SHA256_HEX = /^[0-9a-f]{64}$/;

export interface EncodedPayload {
  bytes: Uint8Array;
  /** sha-256 of `bytes`, lower-case hex. */
  sha256: string;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function encodePayload(payload: Payload): EncodedPayload {
  const bytes = PayloadProto.encode(payload).finish();
  return { bytes, sha256: sha256Hex(bytes) };
}

/**
 * Decodes stored bytes after checking they hash to `sha256`; a mismatch or undecodable
 * bytes is a `corrupt` error with `where` (store, location, key).
 */
export function decodePayload(bytes: Uint8Array, sha256: string, where: Omit<PayloadStoreErrorDetails, 'reason'>): Payload {
  const actual = sha256Hex(bytes);
  if (actual !== sha256) {
    throw new PayloadStoreError(
      `stored payload ${where.key} in ${where.location} is corrupt: its content hashes to sha256:${actual}`,
      { ...where, reason: 'corrupt' },
    );
  }
  let message: proto.temporal.api.common.v1.Payload;
  try {
    message = PayloadProto.decode(bytes);
  } catch (error) {
    throw new PayloadStoreError(
      `stored payload ${where.key} in ${where.location} is not a Temporal Payload: ${(error as Error).message}`,
      { ...where, reason: 'corrupt' },
      { cause: error },
    );
  }
  // A plain object: protobufjs keeps unset fields on the prototype, which spreads lose.
  return {
    metadata: { ...message.metadata },
    data: message.data,
    ...(message.externalPayloads.length > 0 ? { externalPayloads: message.externalPayloads } : {}),
  };
}

/**
 * The digest a claim names. Checked before it is used in a file path or object key,
 * since claims are read back from history, which a driver does not control.
 */
export function claimedSha256(claimData: Record<string, string>, where: Omit<PayloadStoreErrorDetails, 'reason' | 'key'>): string {
  const digest = claimData.sha256;
  if (typeof digest !== 'string' || !SHA256_HEX.test(digest)) {
    throw new PayloadStoreError(
      `invalid ${where.store} storage claim ${JSON.stringify(claimData)}: expected a lower-case hex sha256`,
      { ...where, reason: 'invalid-claim' },
    );
  }
  return digest;
}
