/** A run as Temporal visibility describes it (search attributes, memo), and the formats the commands print it in. */
import { defineSearchAttributeKey } from '@temporalio/common';
import type { Client, WorkflowExecutionInfo, WorkflowHandle } from '@temporalio/client';
import { CliError } from '../errors/index.ts';
import type { UsageTotals } from '../contract/usage.ts';
import { ENGINE_ATTRIBUTE, SPELL_ATTRIBUTE } from '../client.ts';
import { USAGE_SEARCH_ATTRIBUTES } from '../workflows/api.ts';
import type { RunRow, RunStatus } from './schemas.ts';

const TOKENS_ATTRIBUTE = defineSearchAttributeKey(USAGE_SEARCH_ATTRIBUTES.tokens, 'INT');
const COST_ATTRIBUTE = defineSearchAttributeKey(USAGE_SEARCH_ATTRIBUTES.cost, 'DOUBLE');

/** Temporal's status name (`TIMED_OUT`) as the CLI writes it (`timed-out`). */
export function statusOf(name: string): RunStatus {
  const status = name.toLowerCase().replace(/_/g, '-');
  return status === 'cancelled' ? 'canceled' : ((['running', 'completed', 'failed', 'canceled', 'terminated', 'continued-as-new', 'timed-out', 'paused'] as const).find((s) => s === status) ?? 'unknown');
}

/** `--status` values and the visibility query value (`ExecutionStatus = '…'`) each stands for. */
export const STATUS_QUERY: Record<string, string> = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  canceled: 'Canceled',
  cancelled: 'Canceled',
  terminated: 'Terminated',
  'continued-as-new': 'ContinuedAsNew',
  'timed-out': 'TimedOut',
};

export interface RunMemo {
  spell?: string;
  engine?: string;
  usage?: UsageTotals;
  forkedFrom?: { workflowId: string; runId: string; at: number };
}

/** A run as list shows it; describe's answer has the same fields. */
export function rowOf(info: Omit<WorkflowExecutionInfo, 'raw'>, now = Date.now()): RunRow {
  const memo = (info.memo ?? {}) as RunMemo;
  const attributes = info.typedSearchAttributes;
  const tokens = memo.usage?.total_tokens ?? attributes.get(TOKENS_ATTRIBUTE) ?? null;
  const cost = memo.usage?.cost ?? attributes.get(COST_ATTRIBUTE) ?? null;
  return {
    runId: info.workflowId,
    temporalRunId: info.runId,
    status: statusOf(info.status.name),
    spell: attributes.get(SPELL_ATTRIBUTE) ?? memo.spell ?? null,
    engine: attributes.get(ENGINE_ATTRIBUTE) ?? memo.engine ?? null,
    taskQueue: info.taskQueue,
    startedAt: info.startTime.toISOString(),
    closedAt: info.closeTime?.toISOString() ?? null,
    durationMs: Math.max(0, (info.closeTime?.getTime() ?? now) - info.startTime.getTime()),
    historyEvents: info.historyLength,
    tokens,
    costUsd: cost,
    parent: info.parentExecution?.workflowId ?? null,
    forkedFrom: memo.forkedFrom ?? null,
  };
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} m ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} m`;
}

/** Dollars with enough digits for small local-model costs. */
export const formatCost = (usd: number): string => `$${usd.toFixed(usd !== 0 && Math.abs(usd) < 0.01 ? 6 : 4)}`;

/** `2026-03-01 12:00:03` in UTC: the same on every machine. */
export const formatTime = (iso: string): string => iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');

/** Left-aligned columns. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)];
}

/**
 * Does something to a running run; a run that has ended is RunEnded (Temporal answers "not
 * found" for both), one that never existed RunNotFound.
 */
export async function onRunningRun<T>(client: Client, id: string, action: (handle: WorkflowHandle) => Promise<T>): Promise<T> {
  const handle = client.workflow.getHandle(id);
  try {
    return await action(handle);
  } catch (error) {
    if ((error as Error).name !== 'WorkflowNotFoundError') throw error;
    const status = await handle.describe().then(
      (d) => d.status.name,
      () => undefined,
    );
    if (status && status !== 'RUNNING') throw new CliError('RunEnded', `run "${id}" has already ended (${statusOf(status)})`);
    throw error;
  }
}
