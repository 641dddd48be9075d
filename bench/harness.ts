/** What every benchmark needs: a real Temporal dev server and a spell worker, in this process. */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createSpellWorker, type SpellWorkerOptions } from '../src/spell-worker.ts';
import { freePort, startDevServer } from '../src/server/dev-server.ts';

// Core warnings (slow workflow tasks under load) would drown the figures; errors still show, on stderr.
Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } } });
export const root = join(import.meta.dirname, '..');
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

type BenchWorkerOptions = Partial<Pick<SpellWorkerOptions, 'providers' | 'tools' | 'maxConcurrentSteps' | 'maxCachedWorkflows' | 'warmEngines' | 'pool'>>;

/** A running spell worker on a task queue of its own, and how to stop it. */
async function runWorker(native: NativeConnection, client: Client, options: BenchWorkerOptions) {
  const taskQueue = `bench-${randomUUID()}`;
  const { worker, pool } = await createSpellWorker({ ...options, connection: native, client, taskQueue, cacheDir: join(root, '.llmspell/cache') });
  const running = worker.run();
  return {
    taskQueue,
    pool,
    async stop(): Promise<void> {
      worker.shutdown();
      await running;
      await pool.close();
    },
  };
}

export async function startBench(options: BenchWorkerOptions = {}) {
  const server = await startDevServer({ port: await freePort(), executable: join(root, '.tools/temporal/temporal') });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const native = await NativeConnection.connect({ address: server.address });
  const main = await runWorker(native, client, options);
  return {
    server,
    client,
    native,
    taskQueue: main.taskQueue,
    /** The worker's engine pool (its counts of executions). */
    pool: main.pool,
    /** Another worker on the same server, on a task queue of its own (a baseline with other options). */
    startWorker: (workerOptions: BenchWorkerOptions) => runWorker(native, client, workerOptions),
    /** Stops the worker, the connections and the server, then the process. */
    async close(): Promise<never> {
      await main.stop();
      await native.close();
      await connection.close();
      await server.stop();
      process.exit(0);
    },
  };
}
