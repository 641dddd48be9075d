/**
 * A Temporal plugin that adds the spell workflows and activities to any TypeScript worker.
 */
import { SimplePlugin } from '@temporalio/plugin';
import { createActivities, type ActivityDeps } from './activities/index.ts';
import { workflowsPath } from './workflow-bundle.ts';

export interface SpellPluginOptions extends ActivityDeps {
  /** A prebuilt workflow bundle (see `workflowBundle()`); default: bundle from source at worker start. */
  workflowBundle?: { code: string };
}

/** Adds `spellWorkflow` and the `runSpell` activity to a worker. */
export function createSpellPlugin({ workflowBundle, ...deps }: SpellPluginOptions): SimplePlugin {
  return new SimplePlugin({
    name: 'llmspell',
    activities: createActivities(deps),
    ...(workflowBundle ? { workflowBundle } : { workflowsPath }),
  });
}
