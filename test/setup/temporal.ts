/**
 * Starts a real Temporal dev server (the `temporal` CLI, in-memory database, free port)
 * for the whole test run, and stops it afterwards. TEMPORAL_ADDRESS uses an existing one.
 */
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort, startDevServer } from '../../src/server/dev-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
  }
}

let stop: (() => Promise<void>) | undefined;

export async function setup(project: TestProject): Promise<void> {
  if (process.env.TEMPORAL_ADDRESS) {
    project.provide('temporalAddress', process.env.TEMPORAL_ADDRESS);
    return;
  }
  const server = await startDevServer({
    port: await freePort(),
    executable: process.env.LLMSPELL_TEMPORAL_BIN ?? join(import.meta.dirname, '../../.tools/temporal/temporal'),
  });
  stop = server.stop;
  project.provide('temporalAddress', server.address);
}

export async function teardown(): Promise<void> {
  await stop?.();
}
