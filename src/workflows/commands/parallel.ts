/**
 * `parallel`: every branch runs as its own chain of activities, up to `concurrency` at once.
 * Results come back in branch order whatever the completion order; the first uncaught branch
 * error cancels the others and is raised at the call (`settle` returns every outcome instead).
 * Branches' state changes are applied in branch order when the call returns.
 */
import { CancellationScope, isCancellation } from '@temporalio/workflow';
import { branchChain, type Json, type SpellErrorData, type StateOp } from '../../journal/types.ts';
import { addTotals, emptyUsage } from '../../contract/usage.ts';
import type { ChainEnd } from '../chain.ts';
import type { Command } from './index.ts';

interface ParallelArgs {
  fns?: string[];
  items?: number;
  concurrency?: number;
  settle?: boolean;
}

export const parallelCommand: Command = async (ctx, path, call) => {
  const args = call.args as unknown as ParallelArgs;
  const count = args.fns?.length ?? args.items ?? 0;
  const settle = args.settle === true;
  const chains = Array.from({ length: count }, (_, i) => branchChain(path, call.seq, i));
  const ends: Array<ChainEnd | undefined> = new Array(count);
  let failed: { index: number; error: SpellErrorData } | undefined;
  let next = 0;
  const scope = new CancellationScope();
  // Each lane takes the next branch until none is left (or one failed and the rest are cancelled).
  const lane = async () => {
    while (next < count && !failed) {
      const index = next++;
      const end = await ctx.runChain(chains[index]!);
      ends[index] = end;
      if (!end.ok && !settle && !failed) {
        failed = { index, error: end.error };
        scope.cancel();
      }
    }
  };
  try {
    await scope.run(() => Promise.all(Array.from({ length: Math.min(args.concurrency ?? count, count) }, lane)));
  } catch (error) {
    if (!(failed && isCancellation(error))) throw error;
  }
  const stateOps: StateOp[] = [];
  const totals = emptyUsage();
  for (const [index, chainPath] of chains.entries()) {
    const chain = ctx.run.chains.get(chainPath);
    if (chain && ends[index]) stateOps.push(...chain.stateOps);
    if (chain) addTotals(totals, chain.usage);
    ctx.run.forget(chainPath);
  }
  const common = { stateOps, totals };
  if (failed) {
    const { index, error } = failed;
    return { ...common, error: { ...error, message: `branch ${index + 1} of ${count}: ${error.message}` } };
  }
  const result: Json[] = ends.map((end) => {
    if (!settle) return (end as { value: Json }).value;
    return end!.ok ? { ok: true, value: end!.value } : { ok: false, error: end!.error as unknown as Json };
  });
  return { ...common, result };
};
