/**
 * `spell.continue_as_new(input)`: ends this run's history and continues the same workflow id
 * with a fresh journal, the new input, and the run's state, usage and pending signals.
 */
import { continueAsNew, workflowInfo } from '@temporalio/workflow';
import { MAIN_CHAIN, type Json } from '../../journal/types.ts';
import type { SpellWorkflowInput } from '../../contract/run.ts';
import type { Command } from './index.ts';

export const continueAsNewCommand: Command = async (ctx, path, call) => {
  const { run, input } = ctx;
  if (path !== MAIN_CHAIN) return { error: { type: 'NotSupported', message: 'spell.continue_as_new: only the main line of a spell can continue as new, not a parallel branch' } };
  const running = [...run.children.values()].filter((child) => child.status === 'running').map((child) => child.id);
  if (running.length > 0) {
    return { error: { type: 'NotSupported', message: `spell.continue_as_new: wait for or cancel the running child spells first (${running.join(', ')})` } };
  }
  const { input: next } = call.args as { input?: Json };
  const carried = run.carried;
  // A fork's copied calls belong to this run's journal only.
  const { fork: _fork, ...rest } = input;
  const continued: SpellWorkflowInput = {
    ...rest,
    ...(next !== undefined ? { input: next } : {}),
    carried: {
      generation: (carried?.generation ?? 0) + 1,
      state: run.state,
      usage: run.usage,
      previousRunIds: [...(carried?.previousRunIds ?? []), workflowInfo().runId],
      signals: Object.fromEntries([...run.signals].filter(([, queue]) => queue.length > 0)),
    },
  };
  if (next === undefined) delete continued.input;
  return await continueAsNew<(input: SpellWorkflowInput) => Promise<Json>>(continued);
};
