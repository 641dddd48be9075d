import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExternalStorage } from '@temporalio/common';
import {
  DEFAULT_STORAGE_THRESHOLD_BYTES,
  FileStorageDriver,
  S3StorageDriver,
  StorageSettingsError,
  closeExternalStorage,
  createExternalStorage,
  parseStorageSettings,
  storageSettingsFromEnv,
} from '../../src/storage/index.ts';

const stateDir = '/var/lib/llmspell';

describe('storageSettingsFromEnv', () => {
  it('defaults to the file store under <stateDir>/payloads at 256 KiB, as Temporal does', () => {
    expect(storageSettingsFromEnv({}, stateDir)).toEqual({ store: 'file', thresholdBytes: 256 * 1024, dir: join(stateDir, 'payloads') });
    expect(DEFAULT_STORAGE_THRESHOLD_BYTES).toBe(256 * 1024);
  });

  it('reads the store, threshold and folder', () => {
    expect(
      storageSettingsFromEnv({ LLMSPELL_STORAGE: 'file', LLMSPELL_STORAGE_THRESHOLD_BYTES: '1024', LLMSPELL_STORAGE_DIR: '/data/payloads' }, stateDir),
    ).toEqual({ store: 'file', thresholdBytes: 1024, dir: '/data/payloads' });
    expect(storageSettingsFromEnv({ LLMSPELL_STORAGE: 'none', LLMSPELL_STORAGE_THRESHOLD_BYTES: '0' }, stateDir)).toEqual({
      store: 'none',
      thresholdBytes: 0,
    });
  });

  it('makes a relative folder absolute', () => {
    const settings = storageSettingsFromEnv({ LLMSPELL_STORAGE_DIR: 'payloads' }, stateDir);
    expect(settings.store === 'file' && settings.dir).toBe(join(process.cwd(), 'payloads'));
  });

  it('reads the S3 settings, with the default prefix, and keeps credentials out of them', () => {
    const settings = storageSettingsFromEnv(
      {
        LLMSPELL_STORAGE: 's3',
        LLMSPELL_S3_BUCKET: 'payloads',
        LLMSPELL_S3_ENDPOINT: 'http://127.0.0.1:8333',
        LLMSPELL_S3_REGION: 'eu-west-1',
        LLMSPELL_S3_FORCE_PATH_STYLE: 'false',
        AWS_ACCESS_KEY_ID: 'AKIA…',
        AWS_SECRET_ACCESS_KEY: 'secret',
      },
      stateDir,
    );
    expect(settings).toEqual({
      store: 's3',
      thresholdBytes: 256 * 1024,
      s3: { bucket: 'payloads', prefix: 'llmspell/payloads/', endpoint: 'http://127.0.0.1:8333', region: 'eu-west-1', forcePathStyle: false },
    });
    expect(
      storageSettingsFromEnv({ LLMSPELL_STORAGE: 's3', LLMSPELL_S3_BUCKET: 'b', LLMSPELL_S3_PREFIX: 'runs/' }, stateDir),
    ).toEqual({ store: 's3', thresholdBytes: 256 * 1024, s3: { bucket: 'b', prefix: 'runs/' } });
    expect(storageSettingsFromEnv({ LLMSPELL_STORAGE: 's3', LLMSPELL_S3_BUCKET: 'b', LLMSPELL_S3_PREFIX: '' }, stateDir)).toMatchObject({
      s3: { prefix: '' },
    });
  });

  it('names the variable that is wrong', () => {
    const bad: Array<[NodeJS.ProcessEnv, RegExp]> = [
      [{ LLMSPELL_STORAGE: 'disk' }, /LLMSPELL_STORAGE\b/],
      [{ LLMSPELL_STORAGE_THRESHOLD_BYTES: '256KiB' }, /LLMSPELL_STORAGE_THRESHOLD_BYTES: expected a whole number of bytes, got "256KiB"/],
      [{ LLMSPELL_STORAGE: 's3' }, /LLMSPELL_S3_BUCKET is required when LLMSPELL_STORAGE=s3/],
      [{ LLMSPELL_STORAGE: 's3', LLMSPELL_S3_BUCKET: 'b', LLMSPELL_S3_ENDPOINT: 'localhost:8333' }, /LLMSPELL_S3_ENDPOINT: .*got "localhost:8333"/],
      [{ LLMSPELL_STORAGE: 's3', LLMSPELL_S3_BUCKET: 'b', LLMSPELL_S3_FORCE_PATH_STYLE: 'yes' }, /LLMSPELL_S3_FORCE_PATH_STYLE/],
    ];
    for (const [env, message] of bad) {
      expect(() => storageSettingsFromEnv(env, stateDir)).toThrow(StorageSettingsError);
      expect(() => storageSettingsFromEnv(env, stateDir)).toThrow(message);
    }
  });
});

describe('parseStorageSettings', () => {
  it('refuses unknown fields and negative thresholds', () => {
    expect(() => parseStorageSettings({ store: 'file', dir: '/x', threshold: 5 } as never)).toThrow(/threshold/);
    expect(() => parseStorageSettings({ store: 'file', dir: '/x', thresholdBytes: -1 })).toThrow(/thresholdBytes/);
    expect(() => parseStorageSettings({ store: 'file' } as never)).toThrow(/dir/);
  });
});

describe('createExternalStorage', () => {
  it('is undefined for none', () => {
    expect(createExternalStorage({ store: 'none' })).toBeUndefined();
  });

  it('makes Temporal ExternalStorage with the file driver and the threshold', () => {
    const storage = createExternalStorage({ store: 'file', dir: '/tmp/payloads', thresholdBytes: 1000 });
    expect(storage).toBeInstanceOf(ExternalStorage);
    expect(storage!.payloadSizeThreshold).toBe(1000);
    const [driver] = storage!.drivers;
    expect(driver).toBeInstanceOf(FileStorageDriver);
    expect((driver as FileStorageDriver).dir).toBe('/tmp/payloads');
  });

  it('makes Temporal ExternalStorage with the S3 driver', () => {
    const storage = createExternalStorage({ store: 's3', s3: { bucket: 'b', endpoint: 'http://127.0.0.1:1' } });
    expect(storage!.payloadSizeThreshold).toBe(256 * 1024);
    const driver = storage!.drivers[0] as S3StorageDriver;
    expect(driver).toBeInstanceOf(S3StorageDriver);
    expect([driver.bucket, driver.prefix]).toEqual(['b', 'llmspell/payloads/']);
    closeExternalStorage(storage);
  });
});
