/**
 * The command interpreter: runs one chain of the journal (the main line, or a branch of a
 * parallel call) as a sequence of activities, carrying out the durable commands the script
 * stops at. Each activity re-executes the script against the journal (DESIGN §2).
 */
import {
  ActivityFailure,
  ApplicationFailure,
  TimeoutFailure,
  condition,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { defineSearchAttributeKey } from '@temporalio/common';
import { MAIN_CHAIN, entryPath, type BoundaryCall, type Json, type SpellErrorData } from '../journal/types.ts';
import { FATAL, isSpellErrorType } from '../contract/errors.ts';
import { isCommand } from '../contract/kinds.ts';
import type { RunOutcome, RunSpellInput, RunSpellResult } from '../contract/run.ts';
import { USAGE_SEARCH_ATTRIBUTES } from './api.ts';
import { COMMANDS, type RunContext } from './commands/index.ts';

/** With the second protocol, usage is published every 20 model-using activities (and at waits and the end), not after each. */
const PUBLISH_USAGE_EVERY = 20;
/** The run started with the second protocol (local activities, usage in batches): see SpellWorkflowInput.protocol. */
const modern = (ctx: RunContext) => (ctx.input.protocol ?? 1) >= 2;
/** From the third protocol, usage is published in one place: the search attributes where the run has them, else the memo. */
const usageInOnePlace = (ctx: RunContext) => (ctx.input.protocol ?? 1) >= 3;
/** A local activity runs quick work only; past this it is retried, as a stuck one would be. */
const LOCAL_TIMEOUT_MS = 60_000;
const TOKENS_ATTRIBUTE = defineSearchAttributeKey(USAGE_SEARCH_ATTRIBUTES.tokens, 'INT');
const COST_ATTRIBUTE = defineSearchAttributeKey(USAGE_SEARCH_ATTRIBUTES.cost, 'DOUBLE');

/** How a chain ended: the main line's result, or a branch's. */
export type ChainEnd = { ok: true; value: Json } | { ok: false; error: SpellErrorData };

/** The activities, as the workflow calls them (types only: the workflow never imports them). */
interface SpellActivities {
  runSpell(input: RunSpellInput): Promise<RunSpellResult>;
}

/** Runs chain `path` until the script (or the branch) returns or fails. Limits and nondeterminism fail the whole run. */
export async function runChain(ctx: RunContext, path: string): Promise<ChainEnd> {
  const run = ctx.run;
  let next: BoundaryCall | undefined;
  for (;;) {
    checkHistory(ctx);
    // An upgrade in progress (spell.upgrade) holds new activities back.
    if (run.hold) await condition(() => run.hold === 0);
    // Quick work on the main line runs in local activities (no server round trip). Branches run
    // at the same time, so theirs are regular activities: local activities that run concurrently
    // resolve in completion order live but in another order on replay, and the lane that takes
    // the next branch would then schedule differently (a nondeterminism error on replay). Runs
    // begun with the first protocol keep regular activities.
    const local = modern(ctx) && path === MAIN_CHAIN && next?.quick === true;
    const outcome = await execute(ctx, path, next, local);
    next = undefined;
    if (outcome === 'journaled') continue;
    run.applyOutcome(path, outcome);
    if (outcome.entries.some((e) => e.usage || e.children?.length)) {
      run.usageUnpublished++;
      if (!modern(ctx) || run.usageUnpublished >= PUBLISH_USAGE_EVERY) publishUsage(ctx);
    }
    const after = outcome.next;
    switch (after.type) {
      case 'done':
        return { ok: true, value: after.result };
      case 'failed':
      case 'retry':
        if (FATAL.includes(after.error.type as never)) throw failureOf(after.error);
        return { ok: false, error: after.error };
      case 'boundary': {
        const command = isCommand(after.call.kind) && !after.call.prepare ? COMMANDS[after.call.kind] : undefined;
        if (!command) {
          next = after.call;
          break;
        }
        // Before the run waits (or ends, or continues as new) its usage is published.
        publishUsage(ctx);
        const startedAt = Date.now();
        const done = await command(ctx, path, after.call);
        run.append(
          path,
          {
            seq: after.call.seq,
            kind: after.call.kind,
            name: after.call.name,
            argsDigest: after.call.argsDigest,
            ...done,
            startedAt,
            durationMs: Date.now() - startedAt,
            attempt: 1,
          },
          true,
        );
      }
    }
  }
}

/** The failure that ends the run with a typed error. */
export function failureOf(error: SpellErrorData): ApplicationFailure {
  return ApplicationFailure.create({
    type: error.type,
    message: error.where ? `${error.where}: ${error.message}` : error.message,
    nonRetryable: true,
    details: [error],
  });
}

/**
 * One activity of chain `path`, scheduled for boundary `next` (a step's timeout and retries
 * apply to it). When its retries are exhausted, the failure is journaled against the boundary
 * and raised in the script ('journaled'), never left as a bare ActivityFailure.
 */
async function execute(ctx: RunContext, path: string, next: BoundaryCall | undefined, local: boolean): Promise<RunOutcome | 'journaled'> {
  const { run, input } = ctx;
  const settings = run.settings;
  const info = workflowInfo();
  const options = (next?.kind === 'step' ? (next.args as { options?: { timeout?: number; retry?: { max_attempts: number; backoff?: number } } }).options : undefined) ?? {};
  const maxAttempts = Math.max(settings.maxAttempts, options.retry?.max_attempts ?? 0);
  // The activity marks failures no retry can help as non-retryable itself: listing their types
  // here would add them to every scheduled activity in history.
  const retry = { initialInterval: (options.retry?.backoff ?? 1) * 1000, backoffCoefficient: 2, maximumAttempts: maxAttempts };
  const activities = local
    ? proxyLocalActivities<SpellActivities>({ startToCloseTimeout: Math.min(settings.stepTimeoutMs, LOCAL_TIMEOUT_MS), retry })
    : proxyActivities<SpellActivities>({
        startToCloseTimeout: options.timeout !== undefined ? options.timeout * 1000 : settings.stepTimeoutMs,
        heartbeatTimeout: settings.heartbeatTimeoutMs,
        retry,
      });
  const chain = run.chain(path);
  const summary = next ? `${next.kind} ${next.name}` : path === '' ? `${input.fileName} (start)` : `branch ${path} (start)`;
  run.active++;
  try {
    return await activities.runSpell.executeWithOptions({ summary } as never, [
      {
        sourceHash: ctx.sourceHash,
        // A fork's clock starts where the original's did, so its copied calls replay alike.
        startedAtMs: input.fork?.startedAtMs ?? info.runStartTime.getTime(),
        target: path,
        ...run.refs(path),
        reportFromCall: chain.calls,
        ...(next ? { scheduled: entryPath(path, next.seq) } : {}),
        maxAttempts,
        ...(settings.budget ? { spent: run.spent() } : {}),
        history: { events: info.historyLength, bytes: info.historySize, suggested: info.continueAsNewSuggested },
        ...(local ? { local: true as const } : {}),
      },
    ]);
  } catch (error) {
    if (isCancellation(error) || !(error instanceof ActivityFailure)) throw error;
    const failure = activityError(error);
    const boundary = next ?? lastBoundary(error);
    if (!boundary || FATAL.includes(failure.type as never)) throw failureOf(failure);
    run.append(
      path,
      { seq: boundary.seq, kind: boundary.kind, name: boundary.name, argsDigest: boundary.argsDigest, error: failure, startedAt: Date.now(), durationMs: 0, attempt: maxAttempts },
      true,
    );
    return 'journaled';
  } finally {
    run.active--;
  }
}

/** The typed error an activity failed with, after its retries. */
function activityError(error: ActivityFailure): SpellErrorData {
  const cause = error.cause;
  if (cause instanceof TimeoutFailure) {
    const why = cause.timeoutType === 'HEARTBEAT' ? 'no heartbeat (the worker was lost)' : 'it took longer than its timeout';
    return { type: 'StepTimeout', message: `timed out: ${why}` };
  }
  if (cause instanceof ApplicationFailure && isSpellErrorType(cause.type)) {
    const data = cause.details?.[0] as SpellErrorData | undefined;
    return data?.type === cause.type ? data : { type: cause.type, message: cause.message };
  }
  return { type: 'SpellHostError', message: cause?.message ?? error.message };
}

/** The boundary a failed activity was executing, from its last heartbeat (a lost worker, a timeout). */
function lastBoundary(error: ActivityFailure): Omit<BoundaryCall, 'args'> | undefined {
  const details = error.cause instanceof TimeoutFailure ? (error.cause.lastHeartbeatDetails as { call?: Omit<BoundaryCall, 'args'> } | undefined) : undefined;
  return details?.call;
}

/**
 * Ops can list and sort runs by what they used: the search attributes (or, where the run has
 * none, the memo `usage`) follow the totals — after every 20 activities that used a model,
 * before the run waits on a command, and when it ends. Each publication is a history event
 * per place: runs begun with the first protocol published after every such activity, runs
 * begun before the third in both places.
 */
export function publishUsage(ctx: RunContext): void {
  const { run } = ctx;
  if (run.usageUnpublished === 0) return;
  run.usageUnpublished = 0;
  if (!run.settings.searchAttributes || !usageInOnePlace(ctx)) upsertMemo({ usage: { ...run.usage } });
  if (run.settings.searchAttributes) {
    upsertSearchAttributes([
      { key: TOKENS_ATTRIBUTE, value: run.usage.total_tokens },
      { key: COST_ATTRIBUTE, value: run.usage.cost },
    ]);
  }
}

/** A run that nears Temporal's hard history limits without continuing as new fails, typed, naming the remedy. */
function checkHistory(ctx: RunContext): void {
  const info = workflowInfo();
  const limit = ctx.run.settings.historyLimit;
  if (info.historyLength < limit.events && info.historySize < limit.bytes) return;
  throw failureOf({
    type: 'SpellHistoryLimit',
    message:
      `the run's history reached ${info.historyLength} events / ${info.historySize} bytes, near Temporal's limits (51,200 events / 50 MB): ` +
      'call spell.continue_as_new(input) when spell.history().suggested is true, to continue with a fresh history',
  });
}

