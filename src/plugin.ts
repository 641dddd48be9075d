/**
 * A Temporal plugin that adds the spell workflows and activities to any TypeScript worker,
 * next to the worker's own workflows and activities, and the data converter's External
 * Storage to its worker and clients; with `tracing`, Temporal's OpenTelemetry interceptors too.
 */
import { join } from 'node:path';
import type { ExternalStorage } from '@temporalio/common';
import { SimplePlugin } from '@temporalio/plugin';
import type { BundleOptions, ReplayWorkerOptions, WorkerOptions } from '@temporalio/worker';
import { createActivities, runSinks, type ActivityDeps } from './activities/index.ts';
import { RunCache } from './activities/run-cache.ts';
import { EnginePool, type EnginePoolOptions } from './engines/pool.ts';
import { createModelResolver } from './models/registry.ts';
import type { SpellTracing } from './telemetry/tracing.ts';
import { preloadModules, tracingInterceptorsPath, workflowsPath } from './workflow-bundle.ts';

export interface SpellPluginOptions extends Omit<ActivityDeps, 'resultLimitBytes' | 'pool' | 'models' | 'tools' | 'tracing' | 'runs'> {
  /** Runs whose source and journal the worker keeps in memory. Default 1000. */
  cachedRuns?: number;
  /** The engines' pool, or options for one the plugin makes. Closed when the last worker running with this plugin stops. */
  pool?: EnginePool | EnginePoolOptions;
  /** Models of `llm.*` and agents. Default: the built-in `offline:echo` only (see createModelResolver). */
  models?: ActivityDeps['models'];
  /** Host tools (`tool.call`, agents). Default none. */
  tools?: ActivityDeps['tools'];
  /**
   * A prebuilt bundle of the spell workflows alone (see `workflowBundle()`), for a worker that has
   * no workflows of its own; default: bundled from source at worker start. A worker with its own
   * `workflowsPath` gets the spell workflows added to its bundle instead.
   */
  workflowBundle?: { code: string };
  /**
   * Where large values go (Temporal's claim-check): see `createExternalStorage`. Workers and
   * clients of one namespace must use the same store. Without one, an activity result over
   * Temporal's 2 MB payload limit is a SpellOutputLimit.
   */
  externalStorage?: ExternalStorage;
  /** Most bytes of one activity result; default 256 MiB with External Storage, 1.9 MB (under Temporal's payload limit) without. */
  maxResultBytes?: number;
  /**
   * OpenTelemetry tracing (see `createTracing`): workflow, activity and client spans from
   * Temporal's interceptors, and a span per bridge call. Spans are flushed when the worker stops.
   * A prebuilt `workflowBundle` must then be built with the tracing interceptors
   * (`workflowBundle(dir, { tracing: true })`). Default off: nothing is added.
   */
  tracing?: SpellTracing;
}

/**
 * The llmspell plugin: `Worker.create({ workflowsPath, activities, plugins: [plugin] })` runs the
 * worker's own workflows and activities and `spellWorkflow` with its `runSpell` activity; on a
 * `Client` (or Connection) it adds External Storage to the data converter.
 */
export class SpellPlugin extends SimplePlugin {
  private readonly bundle: { code: string } | undefined;
  private readonly tracing: SpellTracing | undefined;
  private readonly runs: RunCache;
  readonly pool: EnginePool;
  private running = 0;

  constructor({ workflowBundle, externalStorage, maxResultBytes, pool, models, tools, tracing, cachedRuns, ...deps }: SpellPluginOptions) {
    // Without the interceptors in the sandbox, the run's workflow spans would be missing and each activity a trace of its own.
    if (tracing && workflowBundle && !workflowBundle.code.includes('telemetry/workflow-interceptors')) {
      throw new Error('llmspell: tracing needs a workflow bundle with the tracing interceptors: workflowBundle(cacheDir, { tracing: true })');
    }
    const engines = pool instanceof EnginePool ? pool : new EnginePool(pool);
    const runs = new RunCache(cachedRuns);
    super({
      name: 'llmspell',
      activities: createActivities({
        ...deps,
        pool: engines,
        runs,
        models: models ?? createModelResolver(),
        tools: tools ?? {},
        resultLimitBytes: maxResultBytes ?? (externalStorage ? STORED_RESULT_LIMIT_BYTES : INLINE_RESULT_LIMIT_BYTES),
        ...(tracing ? { tracing } : {}),
      }),
      ...(externalStorage ? { dataConverter: (converter) => ({ ...converter, externalStorage }) } : {}),
      ...(tracing
        ? {
            clientInterceptors: { workflow: [tracing.clientInterceptor()] },
            workerInterceptors: { activity: [tracing.activityInterceptors], workflowModules: [tracingInterceptorsPath] },
          }
        : {}),
      // Engine threads and processes outlive no worker: the last one to stop closes the pool
      // (and spans still queued are exported).
      runContext: async (next) => {
        this.running++;
        try {
          await next();
        } finally {
          if (--this.running === 0) await engines.close();
          await tracing?.flush();
        }
      },
    });
    this.bundle = workflowBundle;
    this.pool = engines;
    this.tracing = tracing;
    this.runs = runs;
  }

  /** The worker's own workflows stay; a worker with none runs the spell workflows alone. */
  override configureWorker(options: WorkerOptions): WorkerOptions {
    return this.withSinks(this.withWorkflows(super.configureWorker(options)));
  }

  override configureReplayWorker(options: ReplayWorkerOptions): ReplayWorkerOptions {
    return this.withSinks(this.withWorkflows(super.configureReplayWorker(options)));
  }

  /**
   * Bundling a worker's own `workflowsPath` (Worker.create, or bundleWorkflowCode with this
   * plugin): the bundle's entry also exports the spell workflows.
   */
  override configureBundler(options: BundleOptions): BundleOptions {
    const base = super.configureBundler(options);
    const configured = { ...base, preloadModules: [...(base.preloadModules ?? []), ...preloadModules] };
    if (configured.workflowsPath === workflowsPath) return configured;
    const hook = configured.webpackConfigHook;
    return {
      ...configured,
      webpackConfigHook: (config) => {
        const base = hook ? hook(config) : config;
        const entries = Array.isArray(base.entry) ? base.entry : undefined;
        if (entries?.length !== 1 || typeof entries[0] !== 'string') {
          throw new Error(`llmspell: cannot add the spell workflows to a bundle whose entry is ${JSON.stringify(base.entry)} (another plugin changed it)`);
        }
        const alias = Array.isArray(base.resolve?.alias) ? undefined : base.resolve?.alias;
        return {
          ...base,
          entry: [BUNDLE_ENTRY],
          resolve: {
            ...base.resolve,
            alias: { ...alias, __llmspell_base_entry$: entries[0], __llmspell_spell_workflows$: workflowsPath },
          },
        };
      },
    };
  }

  private withWorkflows<O extends WorkerOptions | ReplayWorkerOptions>(options: O): O {
    if (options.workflowsPath || options.workflowBundle) return options;
    // Bundling at worker start, the bundler takes the tracing interceptors from configureBundler.
    return { ...options, ...(this.bundle ? { workflowBundle: this.bundle } : { workflowsPath }) };
  }

  /** A new run's input reaches the activities' cache through a sink; workflow spans leave the sandbox through another. */
  private withSinks<O extends WorkerOptions | ReplayWorkerOptions>(options: O): O {
    return { ...options, sinks: { ...options.sinks, ...runSinks(this.runs), ...this.tracing?.sinks() } };
  }
}

/** The entry module that exports a worker's own workflows and the spell workflows (see configureBundler). */
const BUNDLE_ENTRY = join(import.meta.dirname, 'workflows', 'bundle-entry.cjs');

/** The llmspell plugin (see {@link SpellPlugin}). */
export function createSpellPlugin(options: SpellPluginOptions): SpellPlugin {
  return new SpellPlugin(options);
}

/** Most bytes of one activity result kept in history itself: under Temporal's 2 MB payload limit, with room for the rest of the event. */
export const INLINE_RESULT_LIMIT_BYTES = 1_900_000;
/** Most bytes of one activity result when results over the threshold go to External Storage. */
export const STORED_RESULT_LIMIT_BYTES = 256 * 1024 * 1024;
