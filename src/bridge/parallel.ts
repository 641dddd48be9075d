/**
 * `parallel({fn, …}, {concurrency?})`, `parallel.map(items, fn, opts)`, `parallel.settle(…)`:
 * a command. The workflow runs every branch as its own chain of activities; the functions
 * stay in the script, which sends their type names to be checked.
 */
import { z } from 'zod';
import type { ApiFunction, BridgeKind } from './kind.ts';
import { fnType } from './validate.ts';

/** Engines send a list as its type names or length, anything else as its type name: the error names what the script gave. */
const got = (what: string) => (issue: { input: unknown }) => `expected ${what}, got ${typeof issue.input === 'string' ? issue.input : typeof issue.input}`;

export const parallelArgs = z
  .strictObject({
    /** The branch functions' type names (parallel, parallel.settle). */
    fns: z.array(fnType, { error: got('a list of functions') }).max(10_000).optional(),
    /** parallel.map: how many items, and the type name of the function applied to each. */
    items: z.int({ error: got('a list of items') }).min(0).max(10_000).optional(),
    fn: fnType.optional(),
    /** Most branches running at once; default all. */
    concurrency: z.int().min(1).max(10_000).optional(),
    /** Return every outcome ({ok, value | error}) instead of raising the first error. */
    settle: z.boolean().optional(),
  })
  .refine((a) => (a.fns === undefined) !== (a.items === undefined && a.fn === undefined), { message: 'give a list of functions, or items and a function' })
  .refine((a) => (a.items === undefined) === (a.fn === undefined), { message: 'parallel.map takes items and a function' });
export type ParallelArgs = z.output<typeof parallelArgs>;

/** How many branches a parallel call has. */
export const branchCount = (a: ParallelArgs) => a.fns?.length ?? a.items ?? 0;
const label = (a: { items?: unknown; settle?: unknown }) => (a.items !== undefined ? 'parallel.map' : a.settle ? 'parallel.settle' : 'parallel');

export const kinds: BridgeKind[] = [{ kind: 'parallel', class: 'command', args: parallelArgs, label, name: (a: ParallelArgs) => `${label(a)} ×${branchCount(a)}` }];

const json = z.custom<unknown>().describe('Json');
const options = z.strictObject({ concurrency: z.int().min(1).optional() });
export const docs: ApiFunction[] = [
  { module: null, name: 'parallel', doc: 'Runs the functions as concurrent branches (each its own chain of activities); results in branch order. The first uncaught branch error cancels the others and is raised here.', params: [{ name: 'fns', schema: json, fn: 'thunks' }, { name: 'options', schema: options, optional: true }], result: z.array(json), async: true },
  { module: 'parallel', name: 'map', doc: 'Runs fn(item, index) for every item as concurrent branches; results in item order.', params: [{ name: 'items', schema: z.array(json) }, { name: 'fn', schema: json, fn: 'item' }, { name: 'options', schema: options, optional: true }], result: z.array(json), async: true },
  { module: 'parallel', name: 'settle', doc: 'Like parallel, but returns every outcome: {ok = true, value} or {ok = false, error}.', params: [{ name: 'fns', schema: json, fn: 'thunks' }, { name: 'options', schema: options, optional: true }], result: z.array(z.object({ ok: z.boolean(), value: json.optional(), error: json.optional() })), async: true },
];
