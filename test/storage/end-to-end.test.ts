/**
 * External Storage on the real Temporal dev server: an activity returns 5 MiB (over
 * Temporal's 2 MB payload limit) and the workflow returns its length. Worker and Client
 * both use `dataConverter: { externalStorage }`; history keeps only references.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import type { ExternalStorage } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { closeExternalStorage, createExternalStorage } from '../../src/storage/index.ts';
import type { LargeValueActivities, largeValueWorkflow } from '../fixtures/large-value-workflow.ts';
import { useS3Server } from '../helpers/s3-server.ts';

const MiB = 1024 * 1024;
const LARGE_CHARS = 5 * MiB;

let code: string;
let dir: string;
const s3Server = useS3Server();

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const noop = () => {};
  [{ code }, dir] = await Promise.all([
    bundleWorkflowCode({
      workflowsPath: join(import.meta.dirname, '../fixtures/large-value-workflow.ts'),
      logger: { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error },
    }),
    mkdtemp(join(tmpdir(), 'llmspell-e2e-payloads-')),
  ]);
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const activities: LargeValueActivities = {
  largeString: async (lengthChars) => 'x'.repeat(lengthChars),
};

interface Run {
  result: number;
  historyBytes: number;
  history: temporal.api.history.v1.IHistory;
  elapsedMs: number;
}

/** Runs the workflow on a fresh worker and client that share `externalStorage`. */
async function run(externalStorage: ExternalStorage | undefined, lengthChars: number): Promise<Run> {
  const address = inject('temporalAddress');
  const taskQueue = `storage-${randomUUID()}`;
  const dataConverter = externalStorage ? { externalStorage } : {};
  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  try {
    const worker = await Worker.create({ connection: nativeConnection, taskQueue, workflowBundle: { code }, activities, dataConverter });
    const client = new Client({ connection, dataConverter });
    return await worker.runUntil(async () => {
      const started = performance.now();
      const handle = await client.workflow.start<typeof largeValueWorkflow>('largeValueWorkflow', {
        taskQueue,
        workflowId: `storage-${randomUUID()}`,
        args: [lengthChars],
        workflowExecutionTimeout: '1 minute',
      });
      const result = await handle.result();
      const elapsedMs = performance.now() - started;
      const history = await handle.fetchHistory();
      return { result, history, historyBytes: temporal.api.history.v1.History.encode(history).finish().length, elapsedMs };
    });
  } finally {
    await connection.close();
    await nativeConnection.close();
  }
}

/** The activity's result as history holds it. */
function activityResult(history: temporal.api.history.v1.IHistory): temporal.api.common.v1.IPayload {
  const completed = history.events?.find((e) => e.activityTaskCompletedEventAttributes)?.activityTaskCompletedEventAttributes;
  const payload = completed?.result?.payloads?.[0];
  expect(payload).toBeDefined();
  return payload!;
}

function expectReference(payload: temporal.api.common.v1.IPayload): void {
  const metadata = Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString()]));
  expect(metadata.messageType).toBe('temporal.api.sdk.v1.ExternalStorageReference');
  expect(payload.externalPayloads?.length).toBe(1);
  expect(Buffer.from(payload.data ?? []).length).toBeLessThan(1024);
}

it('file store: a 5 MiB activity result completes, and history holds only a reference', async () => {
  const storage = createExternalStorage({ store: 'file', dir });
  const { result, history, historyBytes, elapsedMs } = await run(storage, LARGE_CHARS);
  expect(result).toBe(LARGE_CHARS);
  expectReference(activityResult(history));
  expect(historyBytes).toBeLessThan(16 * 1024);
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((f) => f.isFile());
  expect(files).toHaveLength(1);
  console.info(`[figures] file store: 5 MiB result, workflow ${elapsedMs.toFixed(0)} ms, history ${historyBytes} bytes`);
}, 120_000);

it('S3 store (SeaweedFS): a 5 MiB activity result completes, and history holds only a reference', async () => {
  const s3 = s3Server();
  const storage = createExternalStorage({
    store: 's3',
    s3: { endpoint: s3.endpoint, region: s3.region, bucket: s3.bucket, prefix: 'e2e/', credentials: s3.credentials },
  });
  try {
    const { result, history, historyBytes, elapsedMs } = await run(storage, LARGE_CHARS);
    expect(result).toBe(LARGE_CHARS);
    expectReference(activityResult(history));
    expect(historyBytes).toBeLessThan(16 * 1024);
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'e2e/' }));
    expect(listed.Contents?.map((o) => o.Size)).toEqual([expect.any(Number)]);
    expect(listed.Contents?.[0]?.Size).toBeGreaterThan(LARGE_CHARS);
    console.info(`[figures] s3 store: 5 MiB result, workflow ${elapsedMs.toFixed(0)} ms, history ${historyBytes} bytes`);
  } finally {
    closeExternalStorage(storage);
  }
}, 120_000);

it('without a store, a 1 MiB result lands in history itself (the cost the store avoids)', async () => {
  const { result, history, historyBytes } = await run(undefined, MiB);
  expect(result).toBe(MiB);
  expect(activityResult(history).externalPayloads ?? []).toEqual([]);
  expect(historyBytes).toBeGreaterThan(MiB);
  console.info(`[figures] no store: 1 MiB result, history ${historyBytes} bytes`);
}, 120_000);

it('without a store, the 5 MiB result fails on Temporal\'s payload limit', async () => {
  const error = await run(undefined, LARGE_CHARS).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause?.cause;
  expect(cause).toBeInstanceOf(Error);
  expect((cause as Error).message).toMatch(/TMPRL1103.*exceeded the error limit/);
}, 120_000);

it('a payload deleted from the store fails the workflow task with a message naming the file, visible in history', async () => {
  const storage = createExternalStorage({ store: 'file', dir: join(dir, 'deleted'), thresholdBytes: 0 });
  const address = inject('temporalAddress');
  const taskQueue = `storage-${randomUUID()}`;
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  try {
    const client = new Client({ connection, dataConverter: { externalStorage: storage } });
    // Threshold 0: even the workflow's input is stored; then it is "cleaned up" too early.
    const handle = await client.workflow.start<typeof largeValueWorkflow>('largeValueWorkflow', {
      taskQueue,
      workflowId: `storage-${randomUUID()}`,
      args: [10],
    });
    await rm(join(dir, 'deleted'), { recursive: true });
    const worker = await Worker.create({ connection: nativeConnection, taskQueue, workflowBundle: { code }, activities, dataConverter: { externalStorage: storage } });
    const failure = await worker.runUntil(async () => {
      for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
        const events = (await handle.fetchHistory()).events ?? [];
        const failed = events.find((e) => e.workflowTaskFailedEventAttributes)?.workflowTaskFailedEventAttributes;
        if (failed) return failed.failure?.message;
      }
      return undefined;
    });
    expect(failure).toMatch(/^payload sha256:[0-9a-f]{64} is missing from the file store .*deleted/);
    await handle.terminate('test over');
  } finally {
    await connection.close();
    await nativeConnection.close();
  }
}, 120_000);
