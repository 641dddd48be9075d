/**
 * `llmspell describe <run-id>`: one run in detail. Status, timing and the pending step come
 * from Temporal's describe; steps and the last call from the run's history; state, events,
 * children and what it waits on from its queries while a worker answers them (a running run),
 * else from its history.
 */
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow/codec-helpers.js';
import type { z } from 'zod';
import { EXIT_CODES } from '../../contract/errors.ts';
import type { SpellProgress } from '../../contract/run.ts';
import type { Json } from '../../journal/types.ts';
import { entryPath, journaledCalls } from '../../journal/types.ts';
import type { Checkpoint } from '../../runtime/protocol.ts';
import { progressQuery, stateQuery } from '../../workflows/api.ts';
import { connect } from '../connect.ts';
import { readHistoryTree, runsOf, type Rebuilt } from '../history.ts';
import { UsageError, parse, positiveInt } from '../options.ts';
import { formatCost, formatDuration, formatTime, rowOf, statusOf, type RunMemo } from '../runs.ts';
import type { DescribeOutput } from '../schemas.ts';

type Described = z.infer<typeof DescribeOutput>;

/** How long a running run's queries may take to answer before describe reads history instead. */
const QUERY_DEADLINE_MS = 5000;

export async function describe(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' }, events: { type: 'string' } });
  const [id] = positionals;
  if (!id || positionals.length > 1) throw new UsageError('expected: describe <run-id>');
  const eventCount = values.events === '0' ? 0 : (positiveInt('events', values.events) ?? 10);
  const { connection, client } = await connect(values);
  try {
    const out = await describeRun(client, id, eventCount);
    process.stdout.write(values.json ? `${JSON.stringify(out)}\n` : `${render(out).join('\n')}\n`);
  } finally {
    await connection.close();
  }
  return EXIT_CODES.ok;
}

export async function describeRun(client: Client, id: string, eventCount: number): Promise<Described> {
  const handle = client.workflow.getHandle(id);
  const description = await handle.describe();
  const row = rowOf(description);
  const live = row.status === 'running' ? await queries(client, id) : undefined;
  // Without a worker, usage is counted from the journals (the run's and its children's), as the workflow counts it.
  const tree = live ? undefined : await readHistoryTree(client, id, { children: true, description });
  const runs = tree?.runs ?? (await runsOf(client, id, description));
  const latest = runs.at(-1)!;
  const events = live ? live.progress.events : runs.flatMap((run) => run.events.map(({ call, name, data }) => ({ call, name, data })));
  const out: Described = {
    ...row,
    live: live !== undefined,
    waitingOn: live?.progress.status === 'waiting' ? (live.progress.waitingOn ?? null) : null,
    steps: runs.reduce((n, run) => n + journaledCalls(run.chains), 0),
    lastStep: lastStep(latest),
    pendingStep: await pendingStep(client, description),
    state: live?.state ?? latest.state,
    events: eventCount === 0 ? [] : events.slice(-eventCount),
    children: live
      ? Object.entries(live.progress.children).map(([child, c]) => ({ id: child, fileName: c.fileName, engine: c.engine, status: c.status }))
      : await childrenOf(client, runs),
    usage: live?.progress.usage ?? tree?.history.usage ?? null,
    ...(await ending(handle, row.status, latest)),
  };
  return out;
}

/** The run's progress and state queries, answered by a worker within the deadline; undefined when none answers. */
async function queries(client: Client, id: string): Promise<{ progress: SpellProgress; state: Record<string, Json> } | undefined> {
  const handle = client.workflow.getHandle(id);
  try {
    return await client.withDeadline(Date.now() + QUERY_DEADLINE_MS, async () => ({
      progress: await handle.query(progressQuery, 0, 0),
      state: await handle.query(stateQuery),
    }));
  } catch {
    return undefined;
  }
}

/** The call journaled last, in any chain of the latest run. */
function lastStep(run: Rebuilt): Described['lastStep'] {
  let last: Described['lastStep'] = null;
  let endedAt = -Infinity;
  for (const [chain, entries] of Object.entries(run.chains)) {
    for (const e of entries) {
      if (e.startedAt + e.durationMs < endedAt) continue;
      endedAt = e.startedAt + e.durationMs;
      last = { path: entryPath(chain, e.seq), kind: e.kind, name: e.name, durationMs: e.durationMs, ...(e.error ? { error: { type: e.error.type, message: e.error.message } } : {}) };
    }
  }
  return last;
}

/** Temporal's pending activity: the step being executed (the worker heartbeats the boundary it runs) or waiting to retry. */
async function pendingStep(client: Client, description: WorkflowExecutionDescription): Promise<Described['pendingStep']> {
  const pending = description.raw.pendingActivities?.[0];
  if (!pending) return null;
  const payloads = pending.heartbeatDetails?.payloads;
  // Heartbeat details go through the data converter like every payload.
  const checkpoint = payloads?.length ? await decodeFromPayloadsAtIndex<Checkpoint>(client.options.loadedDataConverter, 0, payloads).catch(() => undefined) : undefined;
  const time = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
    t?.seconds !== undefined && t.seconds !== null ? new Date(Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString() : null;
  const state = String(pending.state ?? 'UNKNOWN');
  return {
    call: checkpoint?.call ? `${checkpoint.call.kind} ${checkpoint.call.name}` : null,
    state: typeof pending.state === 'number' ? (['UNSPECIFIED', 'SCHEDULED', 'STARTED', 'CANCEL_REQUESTED', 'PAUSED', 'PAUSE_REQUESTED'][pending.state] ?? state) : state,
    attempt: pending.attempt ?? 1,
    maxAttempts: pending.maximumAttempts ? pending.maximumAttempts : null,
    scheduledAt: time(pending.scheduledTime),
    lastStartedAt: time(pending.lastStartedTime),
    lastHeartbeatAt: time(pending.lastHeartbeatTime),
    lastFailure: pending.lastFailure?.message ?? null,
  };
}

/** Child spells from history, with their current status. */
async function childrenOf(client: Client, runs: Rebuilt[]): Promise<Described['children']> {
  const children: Described['children'] = [];
  for (const run of runs) {
    for (const entries of Object.values(run.chains)) {
      for (const entry of entries) {
        const id = entry.kind === 'spell.spawn' ? (entry.result as { id?: unknown } | undefined)?.id : undefined;
        if (typeof id !== 'string') continue;
        const child = await client.workflow
          .getHandle(id)
          .describe()
          .then(
            (d) => ({ status: statusOf(d.status.name), memo: (d.memo ?? {}) as RunMemo }),
            () => ({ status: 'unknown' as const, memo: {} as RunMemo }),
          );
        children.push({ id, fileName: child.memo.spell ?? entry.name, engine: child.memo.engine ?? null, status: child.status });
      }
    }
  }
  return children;
}

/** How a closed run ended: its result, or its typed error. */
async function ending(handle: ReturnType<Client['workflow']['getHandle']>, status: Described['status'], latest: Rebuilt): Promise<Pick<Described, 'result' | 'error'>> {
  if (status === 'completed') return latest.result !== undefined ? { result: latest.result } : {};
  if (status === 'running' || status === 'continued-as-new') return {};
  try {
    await handle.result();
    return {};
  } catch (error) {
    const cause = (error as { cause?: Error }).cause;
    if (cause instanceof ApplicationFailure) return { error: { type: cause.type ?? 'SpellScriptError', message: cause.message } };
    if (cause?.name === 'CancelledFailure') return { error: { type: 'SpellCancelled', message: cause.message || 'the run was cancelled' } };
    return { error: { type: cause?.name ?? 'SpellHostError', message: cause?.message ?? (error as Error).message } };
  }
}

function render(d: Described): string[] {
  const clip = (text: string, max = 160) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
  const lines = [`run       ${d.runId}  (Temporal run ${d.temporalRunId}${d.parent ? `, child of ${d.parent}` : ''})`];
  let status: string = d.status;
  if (d.waitingOn) {
    const hint = d.waitingOn.startsWith('signal.wait ') ? ` (send it: llmspell signal ${d.runId} ${d.waitingOn.slice(12)} '<json>')` : '';
    status += ` — waiting on ${d.waitingOn}${hint}`;
  }
  lines.push(`status    ${status}`);
  lines.push(`spell     ${d.spell ?? '?'} (${d.engine ?? '?'}), task queue ${d.taskQueue}`);
  lines.push(`started   ${formatTime(d.startedAt)}, ${d.closedAt ? `ran ${formatDuration(d.durationMs)}` : `running for ${formatDuration(d.durationMs)}`}; ${d.historyEvents} history events`);
  const last = d.lastStep ? `; last #${d.lastStep.path} ${d.lastStep.kind} ${d.lastStep.name} ${formatDuration(d.lastStep.durationMs)}${d.lastStep.error ? ` ✗ ${d.lastStep.error.type}` : ''}` : '';
  lines.push(`steps     ${d.steps} journaled call${d.steps === 1 ? '' : 's'}${last}`);
  if (d.pendingStep) {
    const p = d.pendingStep;
    lines.push(
      `pending   ${p.call ?? 'a step'} (${p.state.toLowerCase()}, attempt ${p.attempt}${p.maxAttempts ? ` of ${p.maxAttempts}` : ''})${p.lastFailure ? `; last failure: ${clip(p.lastFailure)}` : ''}`,
    );
  }
  if (d.usage) lines.push(`usage     ${d.usage.total_tokens} tokens (${d.usage.input_tokens} in, ${d.usage.output_tokens} out), ${formatCost(d.usage.cost)}, ${d.usage.calls} model call${d.usage.calls === 1 ? '' : 's'}`);
  for (const [i, c] of d.children.entries()) lines.push(`${i === 0 ? 'children' : '        '}  ${c.id} (${c.fileName ?? '?'}, ${c.engine ?? '?'}) ${c.status}`);
  const keys = Object.keys(d.state);
  lines.push(`state     ${keys.length === 0 ? '(empty)' : ''}`.trimEnd());
  for (const key of keys) lines.push(`  ${key} = ${clip(JSON.stringify(d.state[key]))}`);
  if (d.events.length > 0) {
    lines.push(`events    (last ${d.events.length})`);
    for (const e of d.events) lines.push(`  ${e.name} ${clip(JSON.stringify(e.data))}`);
  }
  if (d.result !== undefined) lines.push(`result    ${clip(JSON.stringify(d.result), 400)}`);
  if (d.error) lines.push(`error     ${d.error.type}: ${d.error.message}`);
  lines.push(d.live ? 'source    live: the run\'s queries (a worker answered)' : `source    history${d.status === 'running' ? ' (no worker answered the run\'s queries)' : ''}`);
  return lines;
}
