/** An in-process spell worker on its own task queue, against the test run's Temporal server. */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inject } from 'vitest';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { createSpellWorker, type SpellWorkerOptions } from '../../src/spell-worker.ts';
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
  /** Starts a spell on this worker's task queue. */
  start(spell: Omit<StartSpellOptions, 'taskQueue' | 'engine'> & { engine?: StartSpellOptions['engine'] }): Promise<WorkflowHandle<typeof spellWorkflow>>;
  close(): Promise<void>;
}

export async function testClient(): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  return { client: new Client({ connection, dataConverter: { externalStorage: testExternalStorage } }), connection };
}

export async function startTestWorker(
  options: Partial<Pick<SpellWorkerOptions, 'providers' | 'tools' | 'pool' | 'taskQueue' | 'mcpServers' | 'maxResultBytes'>> = {},
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
    start: (spell) => startSpell(client, { engine: 'lua', ...spell, taskQueue }),
    async close() {
      worker.shutdown();
      await running;
      await pool.close();
      await nativeConnection.close();
      await connection.close();
    },
  };
}

export function example(name: string): Promise<string> {
  return readFile(join(repoRoot, 'examples', name), 'utf8');
}
