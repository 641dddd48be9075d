/**
 * Large values through Temporal's own claim-check (External Storage in the data
 * converter): payloads of at least `thresholdBytes` go to a store and history keeps a
 * reference. The store is a setting: a content-addressed folder (the embedded default,
 * under the state folder), an S3-compatible bucket (clusters), or none.
 *
 * Workers and clients of one namespace must use the same store: whoever reads a history
 * needs the driver that wrote its references.
 */
import { join, resolve } from 'node:path';
import { ExternalStorage } from '@temporalio/common';
import { z } from 'zod';
import { FileStorageDriver } from './file-driver.ts';
import { DEFAULT_S3_PREFIX, S3StorageDriver } from './s3-driver.ts';

export { FileStorageDriver, type FileStorageDriverOptions } from './file-driver.ts';
export { S3StorageDriver, DEFAULT_S3_PREFIX, type S3StorageDriverOptions, type S3Credentials } from './s3-driver.ts';
export { PayloadStoreError, type PayloadStoreFailure, type PayloadStoreErrorDetails } from './errors.ts';

/** Temporal's own default: payloads from 256 KiB up are stored externally. */
export const DEFAULT_STORAGE_THRESHOLD_BYTES = 256 * 1024;

const thresholdBytes = z.number().int().nonnegative().default(DEFAULT_STORAGE_THRESHOLD_BYTES);

const s3SettingsSchema = z
  .object({
    bucket: z.string().min(1),
    prefix: z.string().default(DEFAULT_S3_PREFIX),
    endpoint: z.url({ protocol: /^https?$/ }).optional(),
    region: z.string().min(1).optional(),
    forcePathStyle: z.boolean().optional(),
    credentials: z
      // Not strict: the AWS SDK tags credential objects it has used (`$source`).
      .object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1), sessionToken: z.string().min(1).optional() })
      .optional(),
  })
  .strict();

/** Where large payloads go. See {@link StorageSettings}. */
export const storageSettingsSchema = z.discriminatedUnion('store', [
  z.object({ store: z.literal('none'), thresholdBytes }).strict(),
  z.object({ store: z.literal('file'), thresholdBytes, dir: z.string().min(1) }).strict(),
  z.object({ store: z.literal('s3'), thresholdBytes, s3: s3SettingsSchema }).strict(),
]);

/**
 * Storage settings, validated:
 * - `store`: `file` (a folder, `dir`), `s3` (a bucket, `s3`) or `none` (every payload
 *   stays in history, where Temporal rejects payloads over 2 MB).
 * - `thresholdBytes`: payloads of at least this many bytes (protobuf-encoded) are
 *   stored; smaller ones stay inline. Default 256 KiB; 0 stores every payload.
 * - `s3.bucket`, `s3.prefix` (default `llmspell/payloads/`), `s3.endpoint` (an
 *   S3-compatible server; AWS when absent), `s3.region`, `s3.forcePathStyle` (default
 *   true with an endpoint), `s3.credentials` (default: the AWS SDK's chain, e.g.
 *   `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`).
 */
export type StorageSettings = z.output<typeof storageSettingsSchema>;
/** {@link StorageSettings} before defaults are applied. */
export type StorageSettingsInput = z.input<typeof storageSettingsSchema>;

/** Storage settings that fail validation; the message names each bad field (or variable). */
export class StorageSettingsError extends Error {
  override readonly name = 'StorageSettingsError';
}

/** Which environment variable each settings field comes from, for error messages. */
const ENV_NAMES: Record<string, string> = {
  store: 'LLMSPELL_STORAGE',
  thresholdBytes: 'LLMSPELL_STORAGE_THRESHOLD_BYTES',
  dir: 'LLMSPELL_STORAGE_DIR',
  's3.bucket': 'LLMSPELL_S3_BUCKET',
  's3.prefix': 'LLMSPELL_S3_PREFIX',
  's3.endpoint': 'LLMSPELL_S3_ENDPOINT',
  's3.region': 'LLMSPELL_S3_REGION',
  's3.forcePathStyle': 'LLMSPELL_S3_FORCE_PATH_STYLE',
};

function parse(input: unknown, env?: NodeJS.ProcessEnv): StorageSettings {
  const result = storageSettingsSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.join('.');
    const variable = env ? ENV_NAMES[path] : undefined;
    if (!variable) return `${path || 'settings'}: ${issue.message}`;
    const value = env?.[variable];
    return `${variable}: ${issue.message}${value !== undefined ? ` (got "${value}")` : ''}`;
  });
  throw new StorageSettingsError(`invalid storage settings: ${problems.join('; ')}`);
}

/** Validates settings and applies defaults. */
export function parseStorageSettings(input: StorageSettingsInput): StorageSettings {
  return parse(input);
}

/**
 * Storage settings from environment variables (default: the file store under
 * `<stateDir>/payloads`, threshold 256 KiB):
 * `LLMSPELL_STORAGE` (`file` | `s3` | `none`), `LLMSPELL_STORAGE_THRESHOLD_BYTES`,
 * `LLMSPELL_STORAGE_DIR`, and for S3 `LLMSPELL_S3_BUCKET` (required), `LLMSPELL_S3_ENDPOINT`,
 * `LLMSPELL_S3_PREFIX`, `LLMSPELL_S3_REGION`, `LLMSPELL_S3_FORCE_PATH_STYLE` (`true` | `false`).
 * S3 credentials are not read here: the AWS SDK reads `AWS_ACCESS_KEY_ID` /
 * `AWS_SECRET_ACCESS_KEY` (or profiles, roles) itself, so secrets stay out of settings.
 */
export function storageSettingsFromEnv(env: NodeJS.ProcessEnv, stateDir: string): StorageSettings {
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw ? raw : undefined;
  };
  const store = value('LLMSPELL_STORAGE') ?? 'file';
  const threshold = value('LLMSPELL_STORAGE_THRESHOLD_BYTES');
  let thresholdBytes: number | undefined;
  if (threshold !== undefined) {
    if (!/^\d+$/.test(threshold)) {
      throw new StorageSettingsError(`invalid storage settings: LLMSPELL_STORAGE_THRESHOLD_BYTES: expected a whole number of bytes, got "${threshold}"`);
    }
    thresholdBytes = Number(threshold);
  }
  const pathStyle = value('LLMSPELL_S3_FORCE_PATH_STYLE');
  if (pathStyle !== undefined && !/^(true|false|1|0)$/i.test(pathStyle)) {
    throw new StorageSettingsError(`invalid storage settings: LLMSPELL_S3_FORCE_PATH_STYLE: expected true or false, got "${pathStyle}"`);
  }
  if (store === 's3' && value('LLMSPELL_S3_BUCKET') === undefined) {
    throw new StorageSettingsError('invalid storage settings: LLMSPELL_S3_BUCKET is required when LLMSPELL_STORAGE=s3');
  }
  const dir = value('LLMSPELL_STORAGE_DIR') ?? join(stateDir, 'payloads');
  const input = {
    store,
    ...(thresholdBytes !== undefined ? { thresholdBytes } : {}),
    ...(store === 'file' ? { dir: resolve(dir) } : {}),
    ...(store === 's3'
      ? {
          s3: Object.fromEntries(
            Object.entries({
              bucket: value('LLMSPELL_S3_BUCKET'),
              // Taken as is: an empty prefix (the bucket's root) is a choice.
              prefix: env.LLMSPELL_S3_PREFIX,
              endpoint: value('LLMSPELL_S3_ENDPOINT'),
              region: value('LLMSPELL_S3_REGION'),
              forcePathStyle: pathStyle === undefined ? undefined : /^(true|1)$/i.test(pathStyle),
            }).filter(([, v]) => v !== undefined),
          ),
        }
      : {}),
  };
  return parse(input, env);
}

/**
 * Temporal's `ExternalStorage` for the settings — pass it as `dataConverter.externalStorage`
 * to the Worker and the Client alike — or undefined for `none`.
 */
export function createExternalStorage(settings: StorageSettingsInput): ExternalStorage | undefined {
  const parsed = parseStorageSettings(settings);
  switch (parsed.store) {
    case 'none':
      return undefined;
    case 'file':
      return new ExternalStorage({
        drivers: [new FileStorageDriver({ dir: parsed.dir })],
        payloadSizeThreshold: parsed.thresholdBytes,
      });
    case 's3':
      return new ExternalStorage({
        drivers: [new S3StorageDriver(parsed.s3)],
        payloadSizeThreshold: parsed.thresholdBytes,
      });
  }
}

/** Releases what the store's drivers hold open (the S3 client's connections). */
export function closeExternalStorage(storage: ExternalStorage | undefined): void {
  for (const driver of storage?.drivers ?? []) if (driver instanceof S3StorageDriver) driver.close();
}
