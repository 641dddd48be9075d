/** Client helpers: start a spell, pick its engine. */
import { randomUUID } from 'node:crypto';
import { basename, extname } from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Json } from './journal/types.ts';
import { SPELL_EXTENSIONS, type EngineName } from './engines/protocol.ts';
import { SpellInputError } from './errors/index.ts';
import type { SpellRunOptions } from './workflows/api.ts';
import type { spellWorkflow } from './workflows/spell.ts';
import { DEFAULT_TASK_QUEUE } from './spell-worker.ts';

const ENGINES_BY_EXTENSION: Record<string, EngineName> = {
  ...Object.fromEntries(Object.entries(SPELL_EXTENSIONS).map(([engine, extension]) => [extension, engine])),
  '.mjs': 'javascript',
};
const ENGINE_NAMES: Record<string, EngineName> = { lua: 'lua', js: 'javascript', javascript: 'javascript', tengo: 'tengo' };

/** The engine for a spell file: `--engine` when given, else by extension. */
export function engineFor(file: string, engine?: string): EngineName {
  if (engine !== undefined) {
    const named = ENGINE_NAMES[engine];
    if (!named) throw new SpellInputError(`unknown engine "${engine}" (supported: ${Object.keys(ENGINE_NAMES).join(', ')})`);
    return named;
  }
  const byExtension = ENGINES_BY_EXTENSION[extname(file)];
  if (!byExtension) {
    throw new SpellInputError(
      `${file}: cannot tell the engine from the extension "${extname(file)}" (supported: ${Object.keys(ENGINES_BY_EXTENSION).join(', ')}); use --engine`,
    );
  }
  return byExtension;
}

export interface StartSpellOptions {
  source: string;
  fileName: string;
  engine: EngineName;
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
        ...(spell.input !== undefined ? { input: spell.input } : {}),
        ...(spell.options ? { options: spell.options } : {}),
      },
    ],
  });
}
