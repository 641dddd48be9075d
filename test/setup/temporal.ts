/**
 * Starts a real Temporal dev server (the `temporal` CLI, in-memory database, free port)
 * for the whole test run, and stops it afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { Connection } from '@temporalio/client';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

let server: ChildProcess | undefined;

export async function setup(project: TestProject): Promise<void> {
  const existing = process.env.TEMPORAL_ADDRESS;
  if (existing) {
    project.provide('temporalAddress', existing);
    return;
  }
  const port = await freePort();
  const binary = process.env.LLMSPELL_TEMPORAL_BIN ?? join(import.meta.dirname, '../../.tools/temporal/temporal');
  server = spawn(binary, ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      break;
    } catch (error) {
      if (Date.now() > deadline || server.exitCode !== null) throw new Error(`Temporal dev server did not start: ${error}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  project.provide('temporalAddress', address);
}

export async function teardown(): Promise<void> {
  if (!server) return;
  const exited = new Promise((resolve) => server!.once('exit', resolve));
  server.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  if (server.exitCode === null) server.kill('SIGKILL');
}
