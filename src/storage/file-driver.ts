/**
 * The embedded default store: Temporal External Storage payloads as files in one folder,
 * content-addressed by sha-256 (`<dir>/<first two hex digits>/<sha256>`), so history
 * holds only `{ sha256 }` and the same value is stored once.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import {
  StorageDriverClaim,
  type Payload,
  type StorageDriver,
  type StorageDriverRetrieveContext,
  type StorageDriverStoreContext,
} from '@temporalio/common';
import { claimedSha256, decodePayload, encodePayload } from './content.ts';
import { PayloadStoreError } from './errors.ts';

export interface FileStorageDriverOptions {
  /** Folder of the payload files; created when missing. */
  dir: string;
  /**
   * Driver name written into every reference in history: workers and clients reading
   * those histories need a driver of the same name. Default `llmspell-file`.
   */
  name?: string;
}

export class FileStorageDriver implements StorageDriver {
  readonly name: string;
  readonly type = 'llmspell.file';
  readonly dir: string;

  constructor(options: FileStorageDriverOptions) {
    this.name = options.name ?? 'llmspell-file';
    this.dir = options.dir;
  }

  /** The file a digest lives in. */
  pathOf(sha256: string): string {
    return join(this.dir, sha256.slice(0, 2), sha256);
  }

  async store(context: StorageDriverStoreContext, payloads: Payload[]): Promise<StorageDriverClaim[]> {
    return Promise.all(payloads.map((payload) => this.storeOne(payload, context.abortSignal)));
  }

  async retrieve(context: StorageDriverRetrieveContext, claims: StorageDriverClaim[]): Promise<Payload[]> {
    return Promise.all(claims.map((claim) => this.retrieveOne(claim, context.abortSignal)));
  }

  private async storeOne(payload: Payload, signal: AbortSignal | undefined): Promise<StorageDriverClaim> {
    const { bytes, sha256 } = encodePayload(payload);
    const path = this.pathOf(sha256);
    const claim = new StorageDriverClaim({ sha256 });
    try {
      const existing = await stat(path).catch(() => undefined);
      if (existing?.size === bytes.length) {
        // Same content already there. Touch it: clean-up goes by age, and a new
        // reference to an old file must not be deleted with it.
        const now = new Date();
        await utimes(path, now, now);
        return claim;
      }
      await mkdir(join(this.dir, sha256.slice(0, 2)), { recursive: true });
      // Write aside, flush, then rename: a reader never sees a partial file, and a
      // reference in history never outlives a crash that lost the bytes.
      const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        const file = await open(temp, 'wx');
        try {
          signal?.throwIfAborted();
          await file.writeFile(bytes, signal ? { signal } : {});
          await file.sync();
        } finally {
          await file.close();
        }
        await rename(temp, path);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
      return claim;
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new PayloadStoreError(
        `cannot store payload sha256:${sha256} in the file store ${this.dir}: ${(error as Error).message}`,
        { store: 'file', reason: accessReason(error), location: this.dir, key: `sha256:${sha256}` },
        { cause: error },
      );
    }
  }

  private async retrieveOne(claim: StorageDriverClaim, signal: AbortSignal | undefined): Promise<Payload> {
    const sha256 = claimedSha256(claim.claimData, { store: 'file', location: this.dir });
    const where = { store: 'file', location: this.dir, key: `sha256:${sha256}` } as const;
    const path = this.pathOf(sha256);
    let bytes: Buffer;
    try {
      bytes = await readFile(path, signal ? { signal } : {});
    } catch (error) {
      if (signal?.aborted) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        throw new PayloadStoreError(
          `payload sha256:${sha256} is missing from the file store ${this.dir} (no file ${path}): ` +
            'it was cleaned up, or this process uses another storage folder than the one that stored it',
          { ...where, reason: 'missing' },
          { cause: error },
        );
      }
      throw new PayloadStoreError(
        `cannot read payload sha256:${sha256} from the file store ${this.dir} (${path}): ${(error as Error).message}`,
        { ...where, reason: accessReason(error) },
        { cause: error },
      );
    }
    return decodePayload(bytes, sha256, where);
  }
}

function accessReason(error: unknown): 'access-denied' | 'failed' {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM' ? 'access-denied' : 'failed';
}
