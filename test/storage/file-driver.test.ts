import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import { PayloadStoreError } from '../../src/storage/errors.ts';
import { FileStorageDriver } from '../../src/storage/file-driver.ts';
import { driverContract } from './driver-contract.ts';

let dir: string;
let driver: FileStorageDriver;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'llmspell-file-store-'));
  driver = new FileStorageDriver({ dir });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

driverContract('file', () => ({
  driver,
  location: dir,
  overwrite: (claim, bytes) => writeFile(driver.pathOf(claim.claimData.sha256!), bytes),
  remove: (claim) => rm(driver.pathOf(claim.claimData.sha256!)),
}));

it('keeps files under <dir>/<ab>/<sha256> and leaves no temporary files', async () => {
  const claims = await driver.store({}, [1, 2, 3].map((n) => defaultPayloadConverter.toPayload({ n })));
  for (const { claimData } of claims) {
    const sha256 = claimData.sha256!;
    expect(driver.pathOf(sha256)).toBe(join(dir, sha256.slice(0, 2), sha256));
    expect((await stat(driver.pathOf(sha256))).isFile()).toBe(true);
  }
  const files = await readdir(dir, { recursive: true });
  expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
});

it('storing content again renews its age, so clean-up by age keeps it', async () => {
  const payload = defaultPayloadConverter.toPayload({ kept: 'fresh' });
  const [claim] = await driver.store({}, [payload]);
  const path = driver.pathOf(claim!.claimData.sha256!);
  const old = new Date(Date.now() - 30 * 24 * 3600 * 1000);
  await utimes(path, old, old);
  await driver.store({}, [payload]);
  expect(Date.now() - (await stat(path)).mtimeMs).toBeLessThan(60_000);
});

it('a payload file cut short is rewritten by the next store of the same content', async () => {
  const payload = defaultPayloadConverter.toPayload({ cut: 'short' });
  const [claim] = await driver.store({}, [payload]);
  await writeFile(driver.pathOf(claim!.claimData.sha256!), Buffer.from([1]));
  await driver.store({}, [payload]);
  const [back] = await driver.retrieve({}, [claim!]);
  expect(defaultPayloadConverter.fromPayload(back!)).toEqual({ cut: 'short' });
});

it('a folder that cannot be created is a clear error naming it', async () => {
  const blocker = join(dir, 'a-file');
  await writeFile(blocker, 'not a folder');
  const blocked = new FileStorageDriver({ dir: join(blocker, 'payloads') });
  const error = await blocked.store({}, [defaultPayloadConverter.toPayload('x')]).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PayloadStoreError);
  expect((error as PayloadStoreError).message).toContain(join(blocker, 'payloads'));
});
