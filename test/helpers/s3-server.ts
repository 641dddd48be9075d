/**
 * A real S3-compatible server for tests: SeaweedFS (`weed mini`, installed by
 * scripts/bootstrap.sh into .tools/seaweedfs) on free loopback ports with a temporary
 * data folder, two identities (an admin, and one that may only read another bucket) and
 * one bucket. Never a mock: the drivers must meet a real server's errors.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { CreateBucketCommand, DeleteObjectCommand, ListBucketsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { freePort } from '../../src/server/dev-server.ts';
import type { S3Credentials } from '../../src/storage/s3-driver.ts';

export const weedBinary = process.env.LLMSPELL_WEED_BIN ?? join(import.meta.dirname, '../../.tools/seaweedfs/weed');

export interface S3TestServer {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  region: string;
  /** A bucket created at start. */
  bucket: string;
  /** May do anything. */
  credentials: S3Credentials;
  /** May only read a bucket that is not {@link bucket}: every call on `bucket` is denied. */
  deniedCredentials: S3Credentials;
  /** A path-style client with the admin credentials. */
  client: S3Client;
  stop(): Promise<void>;
}

function newCredentials(): S3Credentials {
  return { accessKeyId: `AK${randomBytes(8).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(24).toString('base64url') };
}

export async function startS3Server(options: { bucket?: string } = {}): Promise<S3TestServer> {
  if (!existsSync(weedBinary)) {
    throw new Error(`SeaweedFS is not built (no ${weedBinary}): run scripts/bootstrap.sh, which builds it into .tools/seaweedfs`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'llmspell-s3-'));
  await mkdir(join(dir, 'data'));
  const credentials = newCredentials();
  const deniedCredentials = newCredentials();
  const identity = (name: string, c: S3Credentials, actions: string[]) => ({
    name,
    credentials: [{ accessKey: c.accessKeyId, secretKey: c.secretAccessKey }],
    actions,
  });
  const config = join(dir, 's3.json');
  await writeFile(
    config,
    JSON.stringify({
      identities: [
        identity('llmspell-test', credentials, ['Admin', 'Read', 'List', 'Tagging', 'Write']),
        identity('llmspell-denied', deniedCredentials, ['Read:some-other-bucket']),
      ],
    }),
  );
  // Every port explicit: SeaweedFS's defaults are fixed numbers (and gRPC = HTTP + 10000),
  // which collide between test files running at once.
  const [master, masterGrpc, volume, volumeGrpc, filer, filerGrpc, s3, s3Grpc, admin, adminGrpc] = await Promise.all(
    Array.from({ length: 10 }, () => freePort()),
  );
  // SeaweedFS always puts its gRPC sockets in /tmp; they are removed on stop.
  const grpcSockets = [
    ['master', masterGrpc],
    ['volume', volumeGrpc],
    ['filer', filerGrpc],
    ['s3', s3Grpc],
    ['admin', adminGrpc],
  ].map(([name, port]) => `/tmp/seaweedfs-${name}-grpc-${port}.sock`);
  const logFile = join(dir, 'weed.log');
  const log = openSync(logFile, 'a');
  const child = spawn(
    weedBinary,
    [
      // All of SeaweedFS in one process, tuned for small setups (a first write ~4 s after
      // start, where `weed server -s3` takes ~10 s).
      'mini',
      `-dir=${join(dir, 'data')}`,
      '-ip=127.0.0.1',
      '-ip.bind=127.0.0.1',
      `-master.port=${master}`,
      `-master.port.grpc=${masterGrpc}`,
      // Small volumes: a test stores tens of megabytes.
      '-master.volumeSizeLimitMB=64',
      `-volume.port=${volume}`,
      `-volume.port.grpc=${volumeGrpc}`,
      `-filer.port=${filer}`,
      `-filer.port.grpc=${filerGrpc}`,
      `-filer.localSocket=${join(dir, 'filer.sock')}`,
      `-s3.port=${s3}`,
      `-s3.port.grpc=${s3Grpc}`,
      `-s3.localSocket=${join(dir, 's3.sock')}`,
      '-s3.port.iceberg=0',
      '-s3.port.lance=0',
      `-s3.config=${config}`,
      // A missing bucket must stay missing: the drivers' errors are under test.
      '-s3.autoCreateBucket=false',
      '-webdav=false',
      '-admin.ui=false',
      `-admin.port=${admin}`,
      `-admin.port.grpc=${adminGrpc}`,
    ],
    { stdio: ['ignore', log, log], env: { ...process.env, GOMEMLIMIT: '256MiB' } },
  );
  closeSync(log);
  let exited = false;
  child.once('exit', () => (exited = true));
  const stop = async () => {
    client.destroy();
    // Its data is thrown away, and a graceful stop of SeaweedFS takes seconds.
    if (!exited) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
    }
    await Promise.all([rm(dir, { recursive: true, force: true }), ...grpcSockets.map((s) => rm(s, { force: true }))]);
  };
  const endpoint = `http://127.0.0.1:${s3}`;
  const region = 'us-east-1';
  const client = new S3Client({ endpoint, region, forcePathStyle: true, credentials: { ...credentials }, maxAttempts: 1 });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await client.send(new ListBucketsCommand({}));
      break;
    } catch (error) {
      if (exited || Date.now() > deadline) {
        const output = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-20).join('\n');
        await stop();
        throw new Error(`SeaweedFS did not come up on ${endpoint} (${exited ? 'it exited' : (error as Error).message}):\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  const bucket = options.bucket ?? 'llmspell-test';
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  // The first write waits for volumes to be allocated: pay it here, not in a timed test.
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'ready', Body: 'ready' }));
  await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'ready' }));
  return { endpoint, region, bucket, credentials, deniedCredentials, client, stop };
}

/**
 * One server for the test file. A server that cannot start fails every test in the file
 * with its reason (e.g. "run scripts/bootstrap.sh"), rather than leaving them skipped.
 */
export function useS3Server(): () => S3TestServer {
  let server: S3TestServer | undefined;
  let failure: unknown;
  beforeAll(async () => {
    try {
      server = await startS3Server();
    } catch (error) {
      failure = error;
    }
  }, 120_000);
  beforeEach(() => {
    if (failure) throw failure;
  });
  afterAll(() => server?.stop());
  return () => server!;
}
