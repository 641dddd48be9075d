/** An in-process spell worker on its own task queue, against the test run's Temporal server. */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inject } from 'vitest';
import { Client, Connection, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, TerminatedFailure } from '@temporalio/common';
import { isSpellErrorType } from '../../src/contract/errors.ts';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { createSpellWorker, type SpellWorkerOptions } from '../../src/spell-worker.ts';
import type { EnginePool } from '../../src/engines/pool.ts';
import { startSpell, type StartSpellOptions } from '../../src/client.ts';
import type { spellWorkflow } from '../../src/workflows/spell.ts';
import { testExternalStorage } from './storage.ts';

export const repoRoot = join(import.meta.dirname, '../..');
export const cacheDir = join(repoRoot, '.llmspell', 'cache');

let runtimeInstalled = false;

export interface TestWorker {
  client: Client;
  worker: Worker;
  taskQueue: string;
  /** The worker's engine pool. */
  pool: EnginePool;
  /** Starts a spell on this worker's task queue. */
  start(spell: Omit<StartSpellOptions, 'taskQueue' | 'engine'> & { engine?: StartSpellOptions['engine'] }): Promise<WorkflowHandle<typeof spellWorkflow>>;
  close(): Promise<void>;
}

export async function testClient(): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  return { client: new Client({ connection, dataConverter: { externalStorage: testExternalStorage } }), connection };
}

export async function startTestWorker(
  options: Partial<Pick<SpellWorkerOptions, 'providers' | 'tools' | 'pool' | 'taskQueue' | 'mcpServers' | 'maxResultBytes' | 'tracing'>> = {},
): Promise<TestWorker> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  const taskQueue = options.taskQueue ?? `test-${randomUUID()}`;
  const { client, connection } = await testClient();
  const nativeConnection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const { worker, pool } = await createSpellWorker({
    ...options,
    connection: nativeConnection,
    client,
    taskQueue,
    cacheDir,
    externalStorage: testExternalStorage,
  });
  const running = worker.run();
  return {
    client,
    worker,
    taskQueue,
    pool,
    start: async (spell) => typedFailures(await startSpell(client, { engine: 'lua', ...spell, taskQueue })),
    async close() {
      worker.shutdown();
      await running;
      await pool.close();
      await nativeConnection.close();
      await connection.close();
    },
  };
}

/**
 * Every failure a user sees is typed: a run of any test that fails must fail with an
 * ApplicationFailure whose type is in the contract's error table (or be cancelled or
 * terminated by the test). An untyped failure fails the test that saw it, whatever it expected.
 */
function typedFailures<H extends WorkflowHandle<typeof spellWorkflow>>(handle: H): H {
  const result = handle.result.bind(handle);
  handle.result = () =>
    result().catch((error: unknown) => {
      const cause = error instanceof WorkflowFailedError ? error.cause : error;
      const typed = cause instanceof ApplicationFailure && isSpellErrorType(cause.type);
      if (!typed && !(cause instanceof CancelledFailure) && !(cause instanceof TerminatedFailure)) {
        throw new Error(`untyped failure of ${handle.workflowId}: ${String(cause)}`, { cause: error });
      }
      throw error;
    });
  return handle;
}

export function example(name: string): Promise<string> {
  return readFile(join(repoRoot, 'examples', name), 'utf8');
}
