/** Client helpers: start a spell. */
import { randomUUID } from 'node:crypto';
import { basename, dirname, extname, resolve } from 'node:path';
import type { Client, Connection, WorkflowHandle } from '@temporalio/client';
import { defineSearchAttributeKey, type SearchAttributePair } from '@temporalio/common';
import type { Json } from './journal/types.ts';
import type { SpellRunOptions } from './contract/settings.ts';
import { WORKFLOW_PROTOCOL, type SpellWorkflowInput } from './contract/run.ts';
import type { spellWorkflow } from './workflows/spell.ts';
import { SPELL_SEARCH_ATTRIBUTES, USAGE_SEARCH_ATTRIBUTES } from './workflows/api.ts';
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
  /**
   * Index the run by spell file and engine (search attributes `llmspellSpell`, `llmspellEngine`)
   * and by usage (`options.searchAttributes`). Default: each set the namespace has registered
   * (asked once per client); without them the run still has its memo (`spell`, `engine`, `usage`).
   */
  searchAttributes?: boolean;
  /** Start as a fork of another run (`llmspell fork`): its first calls replay from that run's journal. */
  fork?: SpellWorkflowInput['fork'];
  /** What a fork of a continued run starts with: that run's carried state, usage and generation. */
  carried?: SpellWorkflowInput['carried'];
  /**
   * Hand the run's first workflow task straight to a worker of this process (Temporal's eager
   * workflow start): no poll, one server round trip less. Only for a client on a worker's
   * `NativeConnection`; the server falls back to a normal start when it cannot.
   */
  eager?: boolean;
}

/** Which of llmspell's search attributes a namespace has: usage totals, spell file and engine. */
export interface SpellSearchAttributes {
  usage: boolean;
  spell: boolean;
}

const known = new WeakMap<Client, Map<string, Promise<SpellSearchAttributes>>>();

/** The search attributes the client's namespace has registered (remembered per client). Without operator access (some Cloud keys), none. */
export function namespaceSearchAttributes(client: Client): Promise<SpellSearchAttributes> {
  let byNamespace = known.get(client);
  if (!byNamespace) known.set(client, (byNamespace = new Map()));
  const namespace = client.options.namespace;
  let answer = byNamespace.get(namespace);
  if (!answer) {
    answer = (client.connection as Connection).operatorService.listSearchAttributes({ namespace }).then(
      ({ customAttributes }) => {
        const has = (names: Record<string, string>) => Object.values(names).every((name) => customAttributes && name in customAttributes);
        return { usage: has(USAGE_SEARCH_ATTRIBUTES), spell: has(SPELL_SEARCH_ATTRIBUTES) };
      },
      () => ({ usage: false, spell: false }),
    );
    byNamespace.set(namespace, answer);
  }
  return answer;
}

export const SPELL_ATTRIBUTE = defineSearchAttributeKey(SPELL_SEARCH_ATTRIBUTES.spell, 'KEYWORD');
export const ENGINE_ATTRIBUTE = defineSearchAttributeKey(SPELL_SEARCH_ATTRIBUTES.engine, 'KEYWORD');

export async function startSpell(client: Client, spell: StartSpellOptions): Promise<WorkflowHandle<typeof spellWorkflow>> {
  const fileName = basename(spell.fileName);
  const registered = spell.searchAttributes === false ? { usage: false, spell: false } : spell.searchAttributes ? { usage: true, spell: true } : await namespaceSearchAttributes(client);
  // Set at start, not by the workflow: a new workflow command would not replay old histories.
  const typedSearchAttributes: SearchAttributePair[] = registered.spell
    ? [
        { key: SPELL_ATTRIBUTE, value: fileName },
        { key: ENGINE_ATTRIBUTE, value: spell.engine },
      ]
    : [];
  const options = spell.options?.searchAttributes === undefined && registered.usage ? { ...spell.options, searchAttributes: true } : spell.options;
  return client.workflow.start<typeof spellWorkflow>('spellWorkflow', {
    taskQueue: spell.taskQueue ?? DEFAULT_TASK_QUEUE,
    ...(spell.eager ? { requestEagerStart: true } : {}),
    workflowId: spell.workflowId ?? `spell-${basename(spell.fileName, extname(spell.fileName))}-${randomUUID().slice(0, 8)}`,
    // The memo names the spell where the namespace has no search attributes for it (list reads both).
    memo: {
      spell: fileName,
      engine: spell.engine,
      ...(spell.fork ? { forkedFrom: { workflowId: spell.fork.workflowId, runId: spell.fork.runId, at: spell.fork.at } } : {}),
    },
    ...(typedSearchAttributes.length > 0 ? { typedSearchAttributes } : {}),
    args: [
      {
        protocol: WORKFLOW_PROTOCOL,
        source: spell.source,
        fileName,
        engine: spell.engine,
        dir: dirname(resolve(spell.fileName)),
        ...(spell.input !== undefined ? { input: spell.input } : {}),
        ...(options ? { options } : {}),
        ...(spell.fork ? { fork: spell.fork } : {}),
        ...(spell.carried ? { carried: spell.carried } : {}),
      },
    ],
  });
}
