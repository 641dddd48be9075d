/**
 * spellWorkflow: deterministic orchestration of a spell (DESIGN §2). The script never runs
 * here: each activity re-executes it against the journal; the workflow is a small interpreter
 * of the commands it stops at (timers, signals, branches, child spells, continue-as-new) over
 * an explicit run state, which queries read.
 */
import { ApplicationFailure, condition, proxySinks, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import { sourceHashOf } from '../journal/canonical.ts';
import { MAIN_CHAIN, type Json } from '../journal/types.ts';
import { resolveSettings } from '../contract/settings.ts';
import type { ChildResult, SpellWorkflowInput } from '../contract/run.ts';
import { RunState } from './run-state.ts';
import { failureOf, publishUsage, runChain } from './chain.ts';
import type { RunContext } from './commands/index.ts';
import { eventsQuery, progressQuery, spellSignal, stateQuery, upgradeUpdate, type SpellSinks, type UpgradeOutcome, type UpgradeRequest } from './api.ts';

/** Runs a spell to completion; its return value is the spell's result (a child spell's also says what it used). */
export async function spellWorkflow(input: SpellWorkflowInput): Promise<Json> {
  const info = workflowInfo();
  const run = new RunState(resolveSettings(input.options, info.workflowId, input.carried?.generation), input.carried);

  if (input.fork) run.seed(MAIN_CHAIN, input.fork.journal);
  proxySinks<SpellSinks>().llmspellRuns.started(input);

  setHandler(spellSignal, ({ name, payload }) => {
    const queue = run.signals.get(name) ?? [];
    queue.push(payload ?? null);
    run.signals.set(name, queue);
  });
  setHandler(stateQuery, () => run.state);
  setHandler(eventsQuery, () => run.events);
  setHandler(progressQuery, (fromLine, fromEvent) => run.progressFrom(fromLine, fromEvent));

  const ctx: RunContext = {
    workflowId: info.workflowId,
    run,
    input,
    sourceHash: sourceHashOf(input.source),
    runChain: (path) => runChain(ctx, path),
  };
  setHandler(upgradeUpdate, (request) => upgrade(ctx, request), {
    validator: ({ source }) => {
      if (source !== undefined && typeof source !== 'string') throw new TypeError('spell.upgrade: source must be a string');
    },
  });
  let end;
  try {
    end = await runChain(ctx, MAIN_CHAIN);
    publishUsage(ctx);
    if (!end.ok) throw failureOf(end.error);
  } catch (error) {
    if (!(error instanceof ApplicationFailure)) throw error;
    publishUsage(ctx);
    run.progress = { status: 'failed' };
    // A child's failure also says what it used, for its parent's totals.
    throw input.parent ? ApplicationFailure.create({ type: error.type ?? undefined, message: error.message, nonRetryable: true, details: [error.details?.[0], run.usage] }) : error;
  }
  run.progress = { status: 'completed' };
  if (!input.parent) return end.value;
  const child: ChildResult = { result: end.value, usage: run.usage };
  return child as unknown as Json;
}

/** How long a run holds at its boundaries after an upgrade found its journal moved on. */
const UPGRADE_HOLD_MS = 30_000;

/**
 * `spell.upgrade`: no new activity starts; once none is running, the run switches to the new
 * source if its journal is as long as the offline check saw it. Otherwise it holds (briefly)
 * so that a new check can catch up.
 */
async function upgrade(ctx: RunContext, { source, checked }: UpgradeRequest): Promise<UpgradeOutcome> {
  const { run } = ctx;
  if (source === undefined) {
    run.hold = 0;
    return { status: 'released' };
  }
  const hold = ++run.holdCount;
  run.hold = hold;
  await condition(() => run.active === 0);
  const chains = run.chainLengths();
  const same = Object.entries(chains).every(([path, length]) => checked[path] === length);
  if (same) {
    ctx.input = { ...ctx.input, source };
    ctx.sourceHash = sourceHashOf(source);
    run.hold = 0;
    return { status: 'upgraded', sourceHash: ctx.sourceHash };
  }
  void sleep(UPGRADE_HOLD_MS).then(() => {
    if (run.hold === hold) run.hold = 0;
  });
  const tails = Object.fromEntries([...run.chains].filter(([, chain]) => chain.tail.length > 0).map(([path, chain]) => [path, chain.tail]));
  return { status: 'moved', chains, tails };
}
