/** A worker that runs spells: engine pool + activities + workflows on one task queue. */
import { Client } from '@temporalio/client';
import type { ExternalStorage } from '@temporalio/common';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { EnginePool, type EnginePoolOptions } from './engines/pool.ts';
import { ENGINES } from './engines/registry.ts';
import type { HostTool, McpServerConfig } from './bridge/kind.ts';
import { createModelResolver, type ProviderMap } from './models/registry.ts';
import { createSpellPlugin } from './plugin.ts';
import { tracingFromEnv } from './telemetry/env.ts';
import type { SpellTracing } from './telemetry/tracing.ts';
import { workflowBundle } from './workflow-bundle.ts';

export const DEFAULT_TASK_QUEUE = 'llmspell';
/** Spell steps a worker runs at once, unless told otherwise. */
export const DEFAULT_MAX_CONCURRENT_STEPS = 16;

export interface SpellWorkerOptions {
  connection: NativeConnection;
  /** Client used by activities to rebuild runs they have not cached. */
  client: Client;
  namespace?: string;
  /** Default `llmspell`. */
  taskQueue?: string;
  /** Extra model providers by name, next to the built-in `offline`. */
  providers?: ProviderMap;
  /** Host tools callable with `tool.call(name, args)` and by agents. */
  tools?: Record<string, HostTool>;
  /** MCP servers by name, for agents (`tools = { "mcp:<name>" }`). */
  mcpServers?: Record<string, McpServerConfig>;
  /** The engines' pool, or options for one; a pool given is used as it is (started engines and all). */
  pool?: EnginePool | EnginePoolOptions;
  /** Where the workflow bundle is cached. */
  cacheDir: string;
  /** Most spell steps run at once on this worker. Default 16. */
  maxConcurrentSteps?: number;
  /** Where large values go (see `createExternalStorage`); the client must use the same. */
  externalStorage?: ExternalStorage;
  /** Most bytes of one activity result (see SpellPluginOptions.maxResultBytes). */
  maxResultBytes?: number;
  /**
   * OpenTelemetry tracing (see `createTracing`); `false` for none. Default: OTLP export when
   * OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set, else none.
   */
  tracing?: SpellTracing | false;
  /**
   * Most runs whose workflow state this worker keeps in memory (Temporal's sticky workflow
   * cache). A parked run (sleep, signal.wait) stays cached until evicted; an evicted one is
   * replayed from its history when it next moves, which costs time, not correctness. Memory
   * grows about linearly with this; default Temporal's, which follows the V8 heap limit
   * (about 600 runs per GiB of heap over 200 MiB).
   */
  maxCachedWorkflows?: number;
  /** Engines started ahead of the first run (one host each); default all. Others start on first use. */
  warmEngines?: readonly string[];
  /**
   * Run workflow code on the main thread (Temporal's `debugMode`, with its 5 s deadlock
   * timeout kept) instead of a workflow thread: a process that runs one spell (`llmspell run`)
   * starts ~0.2 s sooner. Default false: a long-lived worker keeps workflow tasks off the
   * thread that runs activities.
   */
  workflowsInMainThread?: boolean;
}

export async function createSpellWorker(options: SpellWorkerOptions): Promise<{ worker: Worker; pool: EnginePool }> {
  const pool = options.pool instanceof EnginePool ? options.pool : new EnginePool(options.pool);
  const tracing = options.tracing === false ? undefined : (options.tracing ?? (await tracingFromEnv()));
  // Engines start while the worker does: the first step waits for its engine only if it is
  // not ready yet (a failure to start shows there, typed, rather than failing the worker).
  if (pool !== options.pool || options.warmEngines) pool.warm([...(options.warmEngines ?? ENGINES.map((e) => e.name))]).catch(() => {});
  const bundle = await workflowBundle(options.cacheDir, { tracing: tracing !== undefined });
  const worker = await Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
    maxConcurrentActivityTaskExecutions: options.maxConcurrentSteps ?? DEFAULT_MAX_CONCURRENT_STEPS,
    ...(options.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: options.maxCachedWorkflows } : {}),
    // Heartbeats carry checkpoints and live streamed text: send them within half a second.
    maxHeartbeatThrottleInterval: '500ms',
    ...(options.workflowsInMainThread ? { debugMode: true, isolateExecutionTimeout: '5s' } : {}),
    plugins: [
      createSpellPlugin({
        pool,
        client: options.client,
        models: createModelResolver(options.providers),
        tools: options.tools ?? {},
        ...(options.mcpServers ? { mcpServers: options.mcpServers } : {}),
        ...(options.externalStorage ? { externalStorage: options.externalStorage } : {}),
        ...(options.maxResultBytes !== undefined ? { maxResultBytes: options.maxResultBytes } : {}),
        workflowBundle: bundle,
        ...(tracing ? { tracing } : {}),
      }),
    ],
  });
  return { worker, pool };
}
