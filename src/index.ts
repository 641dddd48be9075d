/**
 * llmspell for Node: the Temporal plugin, a ready worker, client helpers, engines and
 * models. Never imported by workflows (use `llmspell/workflow` there).
 */
export { createSpellPlugin, type SpellPluginOptions } from './plugin.ts';
export { createSpellWorker, DEFAULT_TASK_QUEUE, type SpellWorkerOptions } from './spell-worker.ts';
export { startSpell, engineFor, type StartSpellOptions } from './client.ts';
export { createActivities, type ActivityDeps } from './activities/index.ts';
export { runFromHistory } from './activities/history.ts';
export { EnginePool, type EnginePoolOptions } from './engines/pool.ts';
export { DEFAULT_LIMITS, type Limits, type EngineName } from './engines/protocol.ts';
export { createModelResolver, providerOf, DEFAULT_MODEL, type ModelResolver, type ProviderMap } from './models/registry.ts';
export { OfflineEchoModel } from './models/offline.ts';
export { providersFromEnv } from './models/providers.ts';
export type { HostTool } from './bridge/effects.ts';
export { workflowBundle } from './workflow-bundle.ts';
export { ensureTemporal, startDevServer } from './server/dev-server.ts';
export * from './errors/index.ts';
export type * from './journal/types.ts';
export * from './workflows/api.ts';
