/**
 * spellWorkflow: deterministic orchestration of a spell (DESIGN §2). The script never
 * runs here: each activity re-executes it against the journal; the workflow appends
 * what the activity produced and carries out durable commands (timers, signals).
 */
import {
  ApplicationFailure,
  ActivityFailure,
  TimeoutFailure,
  condition,
  proxyActivities,
  setHandler,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { defineSearchAttributeKey } from '@temporalio/common';
import type { BoundaryCall, Json, JournalEntry, SpellEvent } from '../journal/types.ts';
import { EMPTY_JOURNAL_HASH, rollJournalHash, sha256Hex } from '../journal/canonical.ts';
import { addUsage, emptyUsage } from '../journal/usage.ts';
import { DEFAULT_PRICES } from '../models/prices.ts';
import type { Limits } from '../engines/protocol.ts';
import type { createActivities } from '../activities/index.ts';
import {
  eventsQuery,
  progressQuery,
  spellSignal,
  stateQuery,
  USAGE_SEARCH_ATTRIBUTES,
  type SpellProgress,
  type SpellWorkflowInput,
  type StepLine,
} from './api.ts';

const DEFAULT_LIMITS: Limits = { timeoutMs: 10_000, memoryLimitBytes: 64 * 1024 * 1024, outputLimitBytes: 1024 * 1024 };
const NON_RETRYABLE = ['SpellTimeout', 'SpellMemoryLimit', 'SpellOutputLimit', 'SpellNondeterminism', 'SpellJournalMismatch'];
const MAX_EVENTS_KEPT = 1000;
const TOKENS_ATTRIBUTE = defineSearchAttributeKey(USAGE_SEARCH_ATTRIBUTES.tokens, 'INT');
const COST_ATTRIBUTE = defineSearchAttributeKey(USAGE_SEARCH_ATTRIBUTES.cost, 'DOUBLE');

/** Runs a spell to completion; its return value is the spell's result. */
export async function spellWorkflow(run: SpellWorkflowInput): Promise<Json> {
  const info = workflowInfo();
  const options = run.options ?? {};
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const maxAttempts = options.maxAttempts ?? 3;
  const journal: JournalEntry[] = [];
  const state: Record<string, Json> = {};
  const events: SpellEvent[] = [];
  const signals = new Map<string, Json[]>();
  let hash = EMPTY_JOURNAL_HASH;
  let tail: JournalEntry[] = [];
  let calls = 0;
  let droppedEvents = 0;
  let progress: Pick<SpellProgress, 'status' | 'waitingOn'> = { status: 'running' };
  const sourceHash = sha256Hex(run.source);
  const startedAtMs = info.runStartTime.getTime();

  const prices = { ...DEFAULT_PRICES, ...options.prices };
  const usage = emptyUsage();
  const append = (entry: JournalEntry, fromWorkflow: boolean) => {
    journal.push(entry);
    addUsage(usage, entry, prices);
    hash = rollJournalHash(hash, entry);
    if (fromWorkflow) tail.push(entry);
  };

  setHandler(spellSignal, ({ name, payload }) => {
    const queue = signals.get(name) ?? [];
    queue.push(payload ?? null);
    signals.set(name, queue);
  });
  setHandler(stateQuery, () => state);
  setHandler(eventsQuery, () => events);
  setHandler(progressQuery, (fromSeq, fromEvent) => ({
    ...progress,
    usage,
    steps: journal.slice(fromSeq).map(stepLine),
    events: events.slice(Math.max(0, fromEvent - droppedEvents)),
  }));

  let next: BoundaryCall | undefined;
  for (;;) {
    const retry = next?.kind === 'step' ? stepRetry(next.args) : undefined;
    const activities = proxyActivities<ReturnType<typeof createActivities>>({
      startToCloseTimeout: stepTimeout(next) ?? options.stepTimeoutMs ?? 10 * 60_000,
      heartbeatTimeout: options.heartbeatTimeoutMs ?? 30_000,
      retry: {
        initialInterval: retry?.initialIntervalMs ?? 1000,
        backoffCoefficient: 2,
        maximumAttempts: Math.max(maxAttempts, retry?.maximumAttempts ?? 0),
        nonRetryableErrorTypes: NON_RETRYABLE,
      },
    });
    let outcome;
    try {
      outcome = await activities.runSpell.executeWithOptions(
        { summary: next ? `${next.kind} ${next.name}` : `${run.fileName} (start)` } as never,
        [
          {
            workflowId: info.workflowId,
            runId: info.runId,
            engine: run.engine,
            fileName: run.fileName,
            sourceHash,
            journalLength: journal.length,
            journalHash: hash,
            tail,
            reportFromCall: calls,
            startedAtMs,
            seed: options.seed ?? seedOf(info.workflowId),
            defaultModel: options.defaultModel ?? 'offline:echo',
            limits,
            maxAttempts: Math.max(maxAttempts, retry?.maximumAttempts ?? 0),
            ...(options.budget ? { budget: options.budget } : {}),
            ...(options.prices ? { prices: options.prices } : {}),
          },
        ],
      );
    } catch (error) {
      // Retries exhausted on an effect (timeouts, lost workers): the error is journaled and raised in the script.
      if (next && next.kind !== 'step' && error instanceof ActivityFailure && error.cause instanceof TimeoutFailure) {
        append(
          {
            seq: next.seq,
            kind: next.kind,
            name: next.name,
            argsDigest: next.argsDigest,
            error: { type: 'StepTimeout', message: `${next.kind} "${next.name}": ${error.cause.message}` },
            startedAt: Date.now(),
            durationMs: 0,
            attempt: maxAttempts,
          },
          true,
        );
        next = undefined;
        continue;
      }
      throw error;
    }
    tail = [];
    for (const entry of outcome.entries) append(entry, false);
    // Ops can list and sort runs by what they used.
    if (outcome.entries.some((e) => e.usage || e.children?.length)) {
      upsertMemo({ usage: { ...usage } });
      if (options.searchAttributes) {
        upsertSearchAttributes([
          { key: TOKENS_ATTRIBUTE, value: usage.total_tokens },
          { key: COST_ATTRIBUTE, value: usage.cost },
        ]);
      }
    }
    for (const op of outcome.stateOps) {
      if (op.op === 'set') state[op.key] = op.value;
      else delete state[op.key];
    }
    events.push(...outcome.events);
    if (events.length > MAX_EVENTS_KEPT) droppedEvents += events.splice(0, events.length - MAX_EVENTS_KEPT).length;
    calls = outcome.calls;
    next = undefined;

    const after = outcome.next;
    switch (after.type) {
      case 'done':
        progress = { status: 'completed' };
        return after.result;
      case 'failed':
      case 'retry':
        progress = { status: 'failed' };
        throw ApplicationFailure.create({
          type: after.error.type,
          message: after.error.where ? `${after.error.where}: ${after.error.message}` : after.error.message,
          nonRetryable: true,
          details: [after.error],
        });
      case 'boundary':
        if (after.call.kind === 'sleep' || after.call.kind === 'signal.wait') {
          progress = { status: 'waiting', waitingOn: `${after.call.kind} ${after.call.name}` };
          append(await command(after.call, signals), true);
          progress = { status: 'running' };
        } else {
          next = after.call;
        }
    }
  }
}

/** Carries out a durable command and returns its journal entry. */
async function command(call: BoundaryCall, signals: Map<string, Json[]>): Promise<JournalEntry> {
  const startedAt = Date.now();
  const args = call.args as Record<string, Json>;
  let result: Json = null;
  if (call.kind === 'sleep') {
    await sleep((args.seconds as number) * 1000);
  } else {
    const name = args.name as string;
    const arrived = () => (signals.get(name)?.length ?? 0) > 0;
    const timeoutS = args.timeout as number | undefined;
    const got = timeoutS === undefined ? (await condition(arrived), true) : await condition(arrived, timeoutS * 1000);
    result = got ? (signals.get(name)!.shift() ?? null) : null;
  }
  return {
    seq: call.seq,
    kind: call.kind,
    name: call.name,
    argsDigest: call.argsDigest,
    result,
    startedAt,
    durationMs: Date.now() - startedAt,
    attempt: 1,
  };
}

function stepLine(entry: JournalEntry): StepLine {
  return {
    seq: entry.seq,
    kind: entry.kind,
    name: entry.name,
    durationMs: entry.durationMs,
    ...(entry.error ? { error: `${entry.error.type}: ${entry.error.message}` } : {}),
    ...(entry.usage ? { usage: entry.usage } : {}),
  };
}

function stepRetry(args: Json): { maximumAttempts: number; initialIntervalMs: number } | undefined {
  const retry = ((args as Record<string, Json>).options as Record<string, Json> | undefined)?.retry as
    | { max_attempts: number; backoff?: number }
    | undefined;
  return retry ? { maximumAttempts: retry.max_attempts, initialIntervalMs: (retry.backoff ?? 1) * 1000 } : undefined;
}

function stepTimeout(next: BoundaryCall | undefined): number | undefined {
  if (next?.kind !== 'step') return undefined;
  const timeout = ((next.args as Record<string, Json>).options as Record<string, Json> | undefined)?.timeout;
  return typeof timeout === 'number' ? timeout * 1000 : undefined;
}

/** 31-bit FNV-1a of the workflow id: the seed of math.random. */
function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 1;
}
