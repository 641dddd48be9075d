/**
 * A Temporal plugin that adds the spell workflows and activities to any TypeScript worker,
 * and the data converter's External Storage to its worker and clients.
 */
import type { ExternalStorage } from '@temporalio/common';
import { SimplePlugin } from '@temporalio/plugin';
import { createActivities, type ActivityDeps } from './activities/index.ts';
import { workflowsPath } from './workflow-bundle.ts';

export interface SpellPluginOptions extends Omit<ActivityDeps, 'resultLimitBytes'> {
  /** A prebuilt workflow bundle (see `workflowBundle()`); default: bundle from source at worker start. */
  workflowBundle?: { code: string };
  /**
   * Where large values go (Temporal's claim-check): see `createExternalStorage`. Workers and
   * clients of one namespace must use the same store. Without one, an activity result over
   * Temporal's 2 MB payload limit is a SpellOutputLimit.
   */
  externalStorage?: ExternalStorage;
  /** Most bytes of one activity result; default 256 MiB with External Storage, 1.9 MB (under Temporal's payload limit) without. */
  maxResultBytes?: number;
}

/** Adds `spellWorkflow` and the `runSpell` activity to a worker. */
export function createSpellPlugin({ workflowBundle, externalStorage, maxResultBytes, ...deps }: SpellPluginOptions): SimplePlugin {
  return new SimplePlugin({
    name: 'llmspell',
    activities: createActivities({ ...deps, resultLimitBytes: maxResultBytes ?? (externalStorage ? STORED_RESULT_LIMIT_BYTES : INLINE_RESULT_LIMIT_BYTES) }),
    ...(workflowBundle ? { workflowBundle } : { workflowsPath }),
    ...(externalStorage ? { dataConverter: (converter) => ({ ...converter, externalStorage }) } : {}),
  });
}

/** Most bytes of one activity result kept in history itself: under Temporal's 2 MB payload limit, with room for the rest of the event. */
export const INLINE_RESULT_LIMIT_BYTES = 1_900_000;
/** Most bytes of one activity result when results over the threshold go to External Storage. */
export const STORED_RESULT_LIMIT_BYTES = 256 * 1024 * 1024;
