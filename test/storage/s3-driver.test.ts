import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeEach, expect, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import { PayloadStoreError } from '../../src/storage/errors.ts';
import { S3StorageDriver } from '../../src/storage/s3-driver.ts';
import { useS3Server, type S3TestServer } from '../helpers/s3-server.ts';
import { driverContract } from './driver-contract.ts';

const s3Server = useS3Server();
let server: S3TestServer;
let driver: S3StorageDriver;
const drivers: S3StorageDriver[] = [];

function s3Driver(overrides: Partial<ConstructorParameters<typeof S3StorageDriver>[0]> = {}): S3StorageDriver {
  const made = new S3StorageDriver({
    endpoint: server.endpoint,
    region: server.region,
    bucket: server.bucket,
    credentials: server.credentials,
    ...overrides,
  });
  drivers.push(made);
  return made;
}

beforeEach(() => {
  server = s3Server();
  driver ??= s3Driver({ prefix: 'contract/' });
});
afterAll(() => {
  for (const d of drivers) d.close();
});

driverContract('s3', () => ({
  driver,
  location: `s3://${server.bucket}`,
  overwrite: async (claim, bytes) => {
    await server.client.send(new PutObjectCommand({ Bucket: claim.claimData.bucket, Key: claim.claimData.key, Body: bytes }));
  },
  remove: async (claim) => {
    await server.client.send(new DeleteObjectCommand({ Bucket: claim.claimData.bucket, Key: claim.claimData.key }));
  },
}));

const payload = () => defaultPayloadConverter.toPayload({ some: 'value' });

it('keys are <prefix><sha256>, and the claim names bucket, key and digest', async () => {
  const [claim] = await driver.store({}, [payload()]);
  const { sha256, bucket, key } = claim!.claimData;
  expect(bucket).toBe(server.bucket);
  expect(key).toBe(`contract/${sha256}`);
});

it('a reference stays readable after the prefix setting changes', async () => {
  const [claim] = await driver.store({}, [payload()]);
  const [back] = await s3Driver({ prefix: 'elsewhere/' }).retrieve({}, [claim!]);
  expect(defaultPayloadConverter.fromPayload(back!)).toEqual({ some: 'value' });
});

it('a missing bucket is an error naming it, on store and on retrieve', async () => {
  const [claim] = await driver.store({}, [payload()]);
  const noBucket = s3Driver({ bucket: 'no-such-bucket' });
  const stored = await noBucket.store({}, [payload()]).catch((e: unknown) => e);
  expect(stored).toBeInstanceOf(PayloadStoreError);
  expect((stored as PayloadStoreError).reason).toBe('bucket-missing');
  expect((stored as PayloadStoreError).message).toContain('bucket no-such-bucket does not exist');
  const retrieved = await noBucket.retrieve({}, [{ claimData: { ...claim!.claimData, bucket: 'no-such-bucket' } }]).catch((e: unknown) => e);
  expect((retrieved as PayloadStoreError).reason).toBe('bucket-missing');
  expect((retrieved as PayloadStoreError).message).toContain(`s3://no-such-bucket/${claim!.claimData.key}`);
});

it('access denied is an error naming bucket and key', async () => {
  const [claim] = await driver.store({}, [payload()]);
  const denied = s3Driver({ credentials: server.deniedCredentials, prefix: 'contract/' });
  // One at a time: a second rejection made before the first is awaited would go unhandled meanwhile.
  for (const attempt of [() => denied.store({}, [payload()]), () => denied.retrieve({}, [claim!])]) {
    const error = await attempt().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadStoreError);
    expect((error as PayloadStoreError).reason).toBe('access-denied');
    expect((error as PayloadStoreError).message).toContain(`s3://${server.bucket}/${claim!.claimData.key}`);
    expect((error as PayloadStoreError).message).toMatch(/access denied/);
  }
});

it('wrong credentials are access denied too', async () => {
  const wrong = s3Driver({ credentials: { accessKeyId: server.credentials.accessKeyId, secretAccessKey: 'wrong' } });
  const error = await wrong.store({}, [payload()]).catch((e: unknown) => e);
  expect((error as PayloadStoreError).reason).toBe('access-denied');
});

it('takes credentials from the standard AWS variables when none are given', async () => {
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  process.env.AWS_ACCESS_KEY_ID = server.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = server.credentials.secretAccessKey;
  try {
    const fromEnv = new S3StorageDriver({ endpoint: server.endpoint, bucket: server.bucket });
    drivers.push(fromEnv);
    const [claim] = await fromEnv.store({}, [payload()]);
    const [back] = await fromEnv.retrieve({}, [claim!]);
    expect(defaultPayloadConverter.fromPayload(back!)).toEqual({ some: 'value' });
  } finally {
    for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
});
