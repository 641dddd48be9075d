/**
 * Connects to Temporal: `TEMPORAL_ADDRESS` (or `--address`) when given, otherwise a
 * local dev server from the `temporal` CLI, started once with its database in a file
 * (so runs survive restarts) and reused while it runs.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';

export interface TemporalTarget {
  address: string;
  namespace: string;
  /** True when this process started the dev server. */
  started: boolean;
}

export interface ConnectOptions {
  /** host:port of an existing server; default `TEMPORAL_ADDRESS`, else the local dev server. */
  address?: string;
  namespace?: string;
  /** Folder of the dev server's database and log. */
  stateDir: string;
  /** Port of the local dev server. Default 7233 (`LLMSPELL_DEV_PORT`). */
  devPort?: number;
}

async function reachable(address: string, timeoutMs: number): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    await connection.workflowService.getSystemInfo({});
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

export async function ensureTemporal(options: ConnectOptions): Promise<TemporalTarget> {
  const namespace = options.namespace ?? process.env.TEMPORAL_NAMESPACE ?? 'default';
  const given = options.address ?? process.env.TEMPORAL_ADDRESS;
  if (given) return { address: given, namespace, started: false };
  const port = options.devPort ?? Number(process.env.LLMSPELL_DEV_PORT ?? 7233);
  const address = `127.0.0.1:${port}`;
  if (await reachable(address, 1000)) return { address, namespace, started: false };

  mkdirSync(options.stateDir, { recursive: true });
  const log = openSync(join(options.stateDir, 'temporal.log'), 'a');
  const child = spawn(
    process.env.LLMSPELL_TEMPORAL_BIN ?? 'temporal',
    [
      'server', 'start-dev',
      '--db-filename', join(options.stateDir, 'temporal.db'),
      '--ip', '127.0.0.1',
      '--port', String(port),
      '--ui-port', String(port + 1000),
      '--log-level', 'error',
    ],
    { detached: true, stdio: ['ignore', log, log] },
  );
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(new Error(`cannot start the Temporal dev server (${error.message}); run scripts/bootstrap.sh or set TEMPORAL_ADDRESS`)),
    );
    child.once('exit', (code) => reject(new Error(`the Temporal dev server exited (code ${code}); see ${join(options.stateDir, 'temporal.log')}`)));
  });
  failed.catch(() => {});
  child.unref();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const up = await Promise.race([reachable(address, 1000), failed]);
    if (up) return { address, namespace, started: true };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the Temporal dev server did not come up on ${address} within 60 s`);
}

export async function workerConnection(target: TemporalTarget): Promise<NativeConnection> {
  return NativeConnection.connect({ address: target.address });
}
