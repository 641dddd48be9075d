/**
 * llmspell for Node: the Temporal plugin, a ready worker, client helpers, engines and
 * models. Never imported by workflows (use `llmspell/workflow` there).
 */
export { createSpellPlugin, SpellPlugin, type SpellPluginOptions } from './plugin.ts';
export { createSpellWorker, DEFAULT_TASK_QUEUE, type SpellWorkerOptions } from './spell-worker.ts';
export { startSpell, namespaceSearchAttributes, type StartSpellOptions, type SpellSearchAttributes } from './client.ts';
export { ENGINES, engineFor, engineNamed, SPELL_EXTENSIONS } from './engines/registry.ts';
export type { EngineDescriptor } from './engines/engine.ts';
export { createActivities, runSinks, type ActivityDeps } from './activities/index.ts';
export { RunCache } from './activities/run-cache.ts';
export { runFromHistory } from './activities/history.ts';
export { EnginePool, type EnginePoolOptions } from './engines/pool.ts';
export * from './contract/index.ts';
export { createModelResolver, providerOf, type ModelResolver, type ProviderMap } from './models/registry.ts';
export { OfflineEchoModel } from './models/offline.ts';
export { providersFromEnv } from './models/providers.ts';
export type { HostTool, McpServerConfig } from './bridge/kind.ts';
export { workflowBundle, type WorkflowBundleOptions } from './workflow-bundle.ts';
// Tracing itself is `llmspell/tracing` (createTracing, otlpTracing): OpenTelemetry loads only for those who use it.
export type { SpellTracing, TracingOptions } from './telemetry/tracing.ts';
export { tracingFromEnv, tracingWanted } from './telemetry/env.ts';
export { ATTR as SPAN_ATTRIBUTES } from './telemetry/attributes.ts';
export { ensureTemporal, startDevServer, clientConnection, workerConnection, type TemporalTarget } from './server/dev-server.ts';
export { connectionSettings, type ConnectionFlags, type TemporalConnectionSettings } from './server/connection.ts';
export { SpellError } from './errors/index.ts';
export * from './storage/index.ts';
export type * from './journal/types.ts';
export { spellSignal, stateQuery, eventsQuery, progressQuery, USAGE_SEARCH_ATTRIBUTES, SPELL_SEARCH_ATTRIBUTES } from './workflows/api.ts';
