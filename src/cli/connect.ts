/** Connecting the CLI to Temporal: the server the connection settings name, or the local dev server. */
import { join } from 'node:path';
import { Client, type Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import type { ExternalStorage } from '@temporalio/common';
import { createExternalStorage, storageSettingsFromEnv } from '../storage/index.ts';
import { clientConnection, ensureTemporal, workerConnection, type TemporalTarget } from '../server/dev-server.ts';
import type { ConnectionFlags } from '../server/connection.ts';
import { createSpellWorker } from '../spell-worker.ts';
import { EnginePool } from '../engines/pool.ts';
import { providersFromEnv } from '../models/providers.ts';
import { startSpell } from '../client.ts';
import { tracingFromEnv } from '../telemetry/env.ts';
import { home, mcpServersFromEnv, type LoadedSpell } from './options.ts';

/**
 * The client, and the settings the worker shares with it: where large values go. A command
 * that runs a worker (`withWorker`) gets a client on the worker's own native connection: one
 * connection instead of two, and ~40 ms sooner than a gRPC client's.
 */
export async function connect(flags: ConnectionFlags, { withWorker = false }: { withWorker?: boolean } = {}) {
  const { address, namespace, profile } = flags;
  // A worker's first model call makes Node load its fetch implementation (undici, ~25 ms of
  // CPU): loaded here, in the next turn, while this process waits on the server instead.
  if (withWorker) setImmediate(() => globalThis.Headers);
  const target = await ensureTemporal({ ...(address ? { address } : {}), ...(namespace ? { namespace } : {}), ...(profile ? { profile } : {}), stateDir: home() });
  const native = withWorker ? await workerConnection(target) : undefined;
  const connection: Connection | NativeConnection = native ?? (await clientConnection(target));
  const externalStorage = createExternalStorage(storageSettingsFromEnv(process.env, home()));
  // With OTEL_EXPORTER_OTLP_ENDPOINT set, starting a run starts its trace (the worker continues it).
  const tracing = await tracingFromEnv();
  const client = new Client({
    connection,
    namespace: target.namespace,
    ...(externalStorage ? { dataConverter: { externalStorage } } : {}),
    ...(tracing ? { interceptors: { workflow: [tracing.clientInterceptor()] } } : {}),
  });
  return { target, connection, client, externalStorage, ...(native ? { native } : {}) };
}

/**
 * A pool with `engine` starting now: an engine host takes ~0.3 s to start, so a command that
 * runs one spell starts it before it connects and starts its worker.
 */
export function enginePoolFor(engine: string): EnginePool {
  const pool = new EnginePool();
  pool.warm([engine]).catch(() => {}); // a failure to start shows, typed, at the first step
  return pool;
}

/** A spell worker in this process, with the providers, MCP servers and store of the environment. */
export async function spellWorker(
  target: TemporalTarget,
  client: Client,
  /**
   * `pool`: engines already starting (see enginePoolFor), default a pool starting all;
   * `maxCachedWorkflows`: `worker --max-cached-workflows`.
   */
  worker: { taskQueue?: string | undefined; maxConcurrentSteps?: number | undefined; pool?: EnginePool; maxCachedWorkflows?: number | undefined; workflowsInMainThread?: boolean },
  externalStorage: ExternalStorage | undefined,
  /** The connection the client uses, when it is a native one (see connect's `withWorker`). */
  native?: NativeConnection,
) {
  const { taskQueue, maxConcurrentSteps, pool, maxCachedWorkflows, workflowsInMainThread } = worker;
  return createSpellWorker({
    ...(workflowsInMainThread ? { workflowsInMainThread } : {}),
    ...(pool ? { pool } : {}),
    ...(maxCachedWorkflows ? { maxCachedWorkflows } : {}),
    ...(externalStorage ? { externalStorage } : {}),
    connection: native ?? (await workerConnection(target)),
    client,
    namespace: target.namespace,
    ...(taskQueue ? { taskQueue } : {}),
    ...(maxConcurrentSteps ? { maxConcurrentSteps } : {}),
    cacheDir: join(home(), 'cache'),
    providers: providersFromEnv(),
    mcpServers: mcpServersFromEnv(),
  });
}

/**
 * Starts a spell read by loadSpell, with the run options given on the command line; `eager`
 * when a worker of this process runs it (see StartSpellOptions).
 */
export async function startLoaded(client: Client, spell: LoadedSpell, { eager = false }: { eager?: boolean } = {}) {
  return startSpell(client, {
    ...(eager ? { eager } : {}),
    source: spell.source,
    fileName: spell.file,
    engine: spell.engine,
    ...(spell.input !== undefined ? { input: spell.input } : {}),
    options: spell.options,
    ...(spell.values['task-queue'] ? { taskQueue: spell.values['task-queue'] } : {}),
    ...(spell.values.id ? { workflowId: spell.values.id } : {}),
  });
}
