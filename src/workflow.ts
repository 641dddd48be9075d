/** Sandbox-safe entry point (`llmspell/workflow`): the spell workflow and its API. */
export { spellWorkflow } from './workflows/spell.ts';
export * from './workflows/api.ts';
