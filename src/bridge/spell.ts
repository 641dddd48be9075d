/**
 * `spell.*`: child spells (`spawn` and its handle's `wait`, `signal`, `cancel`, all commands),
 * `continue_as_new` (a command), and what a script may know of its run (`usage`, `history`).
 */
import { z } from 'zod';
import type { Json } from '../journal/types.ts';
import type { ApiFunction, BridgeKind } from './kind.ts';

const spawnOptions = z.strictObject({
  /** Token and cost budget of the child: a lease on what the parent has left. */
  budget: z.strictObject({ max_tokens: z.int().positive().optional(), max_cost: z.number().positive().optional() }).optional(),
  /** The child's default model (default: the parent's). */
  model: z.string().min(1).optional(),
  /** The child's CPU-time limit per step, in milliseconds. */
  timeout_ms: z.int().positive().optional(),
  /** The child's memory limit, in bytes. */
  memory_bytes: z.int().positive().optional(),
});

/** `spell.spawn(file | {source, engine}, input?, options?)` */
export const spawnArgs = z
  .strictObject({
    file: z.string().min(1).optional(),
    source: z.string().optional(),
    engine: z.string().min(1).optional(),
    input: z.custom<Json>().optional(),
    options: spawnOptions.optional(),
  })
  .refine((a) => (a.file === undefined) !== (a.source === undefined), { message: 'give a file, or {source, engine}' })
  .refine((a) => a.source === undefined || a.engine !== undefined, { message: 'inline source needs an engine' });
export type SpawnArgs = z.output<typeof spawnArgs>;

/** What spell.spawn hands the workflow once the worker has read the file. */
export interface ResolvedSpawn {
  source: string;
  fileName: string;
  engine: string;
  dir?: string;
}

/** A child is named by the path of the spawn call that started it: the same in every run of the spell. */
const childRef = z.strictObject({ child: z.string().min(1) });
const childSignal = z.strictObject({ child: z.string().min(1), name: z.string().min(1), data: z.custom<Json>().optional() });
const none = z.strictObject({});

export const kinds: BridgeKind[] = [
  {
    kind: 'spell.spawn',
    class: 'command',
    args: spawnArgs,
    name: (a: SpawnArgs) => a.file ?? `(inline ${a.engine})`,
    quick: () => true,
    // The worker reads the file before the workflow starts the child.
    host: async () => (await import('./spell-host.ts')).resolveSpawn,
  },
  { kind: 'spell.wait', class: 'command', args: childRef, name: (a: { child: string }) => `child ${a.child}` },
  { kind: 'spell.signal', class: 'command', args: childSignal, name: (a: { child: string; name: string }) => `child ${a.child} ${a.name}` },
  { kind: 'spell.cancel', class: 'command', args: childRef, name: (a: { child: string }) => `child ${a.child}` },
  { kind: 'spell.continue_as_new', class: 'command', args: z.strictObject({ input: z.custom<Json>().optional() }), name: () => 'continue_as_new' },
  { kind: 'spell.usage', class: 'pure', args: none, readOnly: true, pure: (_, run) => ({ ...run.usage() }) },
  // Journaled (recorded): not from a tool the script defined, which runs while an agent's call is under way.
  { kind: 'spell.history', class: 'pure', args: none, recorded: true, pure: (_, run) => ({ ...run.history() }) },
  // New work takes the patched path (true, journaled); a journal from before the patch answers false.
  { kind: 'spell.patched', class: 'pure', args: z.strictObject({ id: z.string().min(1) }), recorded: true, pure: () => true },
];

const json = z.custom<unknown>().describe('Json');
const handle = z.custom<unknown>().describe('SpawnHandle');
export const docs: ApiFunction[] = [
  { module: 'spell', name: 'spawn', doc: 'Starts a child spell (a child workflow) from a file (relative to this spell\'s folder) or {source, engine}; returns a handle with wait(), signal(name, data), cancel(). Its budget is a lease on what this run has left.', params: [{ name: 'spell', schema: z.union([z.string(), z.object({ source: z.string(), engine: z.string() })]) }, { name: 'input', schema: json, optional: true }, { name: 'options', schema: spawnOptions, optional: true }], result: handle, async: true },
  { module: 'spell', name: 'continue_as_new', doc: 'Ends this run\'s history and continues the same run id with a fresh journal, the new input and the run\'s state.', params: [{ name: 'input', schema: json, optional: true }], result: null, async: true },
  { module: 'spell', name: 'history', doc: 'The run\'s history so far: {events, bytes, suggested} (suggested: Temporal suggests continuing as new).', params: [], result: z.object({ events: z.number(), bytes: z.number(), suggested: z.boolean() }), async: false },
  { module: 'spell', name: 'patched', doc: 'True on the patched code path: new runs, and runs past the point where they met this patch; false where a run recorded before the patch took the old path (a deliberate change, as Temporal\'s patched()).', params: [{ name: 'id', schema: z.string() }], result: z.boolean(), async: false },
  { module: 'spell', name: 'usage', doc: 'Model usage and cost of the run so far.', params: [], result: z.object({ input_tokens: z.number(), output_tokens: z.number(), total_tokens: z.number(), cost: z.number(), calls: z.number() }), async: false },
];
