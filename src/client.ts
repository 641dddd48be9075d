/** Client helpers: start a spell. */
import { randomUUID } from 'node:crypto';
import { basename, dirname, extname, resolve } from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Json } from './journal/types.ts';
import type { SpellRunOptions } from './contract/settings.ts';
import type { spellWorkflow } from './workflows/spell.ts';
import { DEFAULT_TASK_QUEUE } from './spell-worker.ts';

export interface StartSpellOptions {
  source: string;
  /** The spell's file: its name shows in error locations, its folder is where `spell.spawn` finds relative files. */
  fileName: string;
  /** Engine name (`lua`, `javascript`, `tengo`); see `engineFor`. */
  engine: string;
  input?: Json;
  options?: SpellRunOptions;
  taskQueue?: string;
  /** Default `spell-<file name>-<uuid>`. */
  workflowId?: string;
}

export function startSpell(client: Client, spell: StartSpellOptions): Promise<WorkflowHandle<typeof spellWorkflow>> {
  return client.workflow.start<typeof spellWorkflow>('spellWorkflow', {
    taskQueue: spell.taskQueue ?? DEFAULT_TASK_QUEUE,
    workflowId: spell.workflowId ?? `spell-${basename(spell.fileName, extname(spell.fileName))}-${randomUUID().slice(0, 8)}`,
    args: [
      {
        source: spell.source,
        fileName: basename(spell.fileName),
        engine: spell.engine,
        dir: dirname(resolve(spell.fileName)),
        ...(spell.input !== undefined ? { input: spell.input } : {}),
        ...(spell.options ? { options: spell.options } : {}),
      },
    ],
  });
}
