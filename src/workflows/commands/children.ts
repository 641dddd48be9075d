/**
 * Child spells: `spell.spawn` starts another spell as a child workflow (cancelled with its
 * parent) with a budget lease on what the parent has left; its handle's `wait`, `signal` and
 * `cancel` are commands too.
 */
import { ApplicationFailure, CancellationScope, ChildWorkflowFailure, ParentClosePolicy, getExternalWorkflowHandle, startChild } from '@temporalio/workflow';
import { entryPath, type Json, type SpellErrorData } from '../../journal/types.ts';
import { WORKFLOW_PROTOCOL, type ChildResult, type SpellWorkflowInput } from '../../contract/run.ts';
import type { Budget } from '../../contract/settings.ts';
import type { UsageTotals } from '../../contract/usage.ts';
import { spellSignal } from '../api.ts';
import type { Command, CommandDone } from './index.ts';

interface SpawnCall {
  input?: Json;
  options?: { budget?: { max_tokens?: number; max_cost?: number }; model?: string; timeout_ms?: number; memory_bytes?: number };
  /** Filled in by the worker (it read the file). */
  resolved: { source: string; fileName: string; engine: string; dir?: string };
}

const error = (type: string, message: string): CommandDone => ({ error: { type, message } });

export const spawnCommand: Command = async (ctx, path, call) => {
  const { run, input: parent } = ctx;
  const args = call.args as unknown as SpawnCall;
  const asked = args.options ?? {};
  // The lease: what the child may spend, never more than the parent has left.
  const budget = run.settings.budget;
  let lease: Budget | undefined;
  if (budget || asked.budget) {
    const spent = run.spent();
    const left = {
      tokens: budget?.maxTokens !== undefined ? budget.maxTokens - spent.tokens : Number.POSITIVE_INFINITY,
      cost: budget?.maxCost !== undefined ? budget.maxCost - spent.cost : Number.POSITIVE_INFINITY,
    };
    const tokens = asked.budget?.max_tokens ?? left.tokens;
    const cost = asked.budget?.max_cost ?? left.cost;
    if (tokens > left.tokens || cost > left.cost || left.tokens <= 0 || left.cost <= 0) {
      return error(
        'SpellBudgetExceeded',
        `spell.spawn: the child asks for ${fmt(tokens)} tokens / $${fmt(cost)} but the run has ${fmt(left.tokens)} tokens / $${fmt(left.cost)} left`,
      );
    }
    lease = { ...(Number.isFinite(tokens) ? { maxTokens: tokens } : {}), ...(Number.isFinite(cost) ? { maxCost: cost } : {}) };
  }
  const { seed: _seed, budget: _budget, ...inherited } = parent.options ?? {};
  // The child is named by the spawn call's path; its workflow id adds the parent's.
  const child = entryPath(path, call.seq);
  const id = childWorkflowId(ctx, child);
  const childInput: SpellWorkflowInput = {
    protocol: WORKFLOW_PROTOCOL,
    source: args.resolved.source,
    fileName: args.resolved.fileName,
    engine: args.resolved.engine,
    ...(args.input !== undefined ? { input: args.input } : {}),
    options: {
      ...inherited,
      defaultModel: asked.model ?? run.settings.defaultModel,
      limits: {
        ...inherited.limits,
        ...(asked.timeout_ms !== undefined ? { timeoutMs: asked.timeout_ms } : {}),
        ...(asked.memory_bytes !== undefined ? { memoryLimitBytes: asked.memory_bytes } : {}),
      },
      ...(lease ? { budget: lease } : {}),
    },
    ...(args.resolved.dir ? { dir: args.resolved.dir } : {}),
    parent: { workflowId: ctx.workflowId, ...(lease ? { lease } : {}) },
  };
  let handle;
  try {
    handle = await startChild<(input: SpellWorkflowInput) => Promise<ChildResult>>('spellWorkflow', {
      workflowId: id,
      args: [childInput],
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      // As startSpell does: `llmspell list` names the spell and engine from the memo.
      memo: { spell: args.resolved.fileName, engine: args.resolved.engine },
    });
  } catch (e) {
    return error('SpellHostError', `spell.spawn: could not start ${args.resolved.fileName}: ${(e as Error).message}`);
  }
  const done = handle.result().then(
    (ended) => {
      run.childEnded(child, true, ended.usage);
      return { ok: true as const, value: ended.result };
    },
    (e: unknown) => {
      const { data, usage } = childFailure(e);
      run.childEnded(child, false, usage);
      return { ok: false as const, error: data };
    },
  );
  run.children.set(child, {
    id,
    fileName: args.resolved.fileName,
    engine: args.resolved.engine,
    status: 'running',
    ...(lease ? { lease: { tokens: lease.maxTokens ?? 0, cost: lease.maxCost ?? 0 } } : {}),
    done,
  });
  return { result: { id, child } };
};

const childWorkflowId = (ctx: { workflowId: string }, child: string) => `${ctx.workflowId}/${child}`;

export const waitCommand: Command = async (ctx, _path, call) => {
  const ref = (call.args as { child: string }).child;
  const child = ctx.run.children.get(ref);
  if (!child) return error('SpellInputError', `spell.wait: no child spell "${ref}" in this run`);
  const id = child.id;
  ctx.run.progress = { status: 'waiting', waitingOn: `child ${id}` };
  // A child's result is not cancellable itself: a cancelled parent stops waiting (and closing, cancels the child).
  const end = await Promise.race([child.done, CancellationScope.current().cancelRequested]);
  ctx.run.progress = { status: 'running' };
  const totals = child.usage ? { totals: child.usage } : {};
  if (end.ok) return { result: end.value, ...totals };
  return { error: { type: end.error.type === 'SpellCancelled' ? 'SpellCancelled' : 'SpellChildFailed', message: `child ${id} (${child.fileName}) failed: ${end.error.type}: ${end.error.message}` }, ...totals };
};

export const childSignalCommand: Command = async (ctx, _path, call) => {
  const { child: ref, name, data } = call.args as { child: string; name: string; data?: Json };
  const child = ctx.run.children.get(ref);
  if (!child) return error('SpellInputError', `spell.signal: no child spell "${ref}" in this run`);
  if (child.status !== 'running') return error('SpellChildFailed', `spell.signal: child ${child.id} has ended (${child.status})`);
  await getExternalWorkflowHandle(child.id).signal(spellSignal, { name, ...(data !== undefined ? { payload: data } : {}) });
  return { result: null };
};

export const cancelCommand: Command = async (ctx, _path, call) => {
  const ref = (call.args as { child: string }).child;
  const child = ctx.run.children.get(ref);
  if (!child) return error('SpellInputError', `spell.cancel: no child spell "${ref}" in this run`);
  if (child.status === 'running') await getExternalWorkflowHandle(child.id).cancel();
  return { result: null };
};

/** The typed error and usage a child failed with. */
function childFailure(e: unknown): { data: SpellErrorData; usage?: UsageTotals } {
  const cause = e instanceof ChildWorkflowFailure ? e.cause : e;
  if (cause instanceof ApplicationFailure) {
    const [data, usage] = (cause.details ?? []) as [SpellErrorData | undefined, UsageTotals | undefined];
    return { data: data ?? { type: cause.type ?? 'SpellScriptError', message: cause.message }, ...(usage ? { usage } : {}) };
  }
  if (cause && (cause as Error).name === 'CancelledFailure') return { data: { type: 'SpellCancelled', message: 'the child was cancelled' } };
  return { data: { type: 'SpellChildFailed', message: (cause as Error | undefined)?.message ?? String(e) } };
}

const fmt = (n: number) => (Number.isFinite(n) ? String(Math.round(n * 1e6) / 1e6) : 'unlimited');
