/**
 * A run's journal read back from Temporal history: the activity results (new entries)
 * and activity inputs (entries the workflow appended for durable commands), in order.
 */
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { JournalEntry } from '../journal/types.ts';
import type { RunSpellInput, RunSpellResult } from '../workflows/api.ts';

export interface RunHistory {
  runId: string;
  status: string;
  entries: JournalEntry[];
}

function decode<T>(payloads: temporal.api.common.v1.IPayloads | null | undefined): T | undefined {
  const payload = payloads?.payloads?.[0];
  if (!payload?.data) return undefined;
  return JSON.parse(Buffer.from(payload.data).toString('utf8')) as T;
}

export async function readHistory(client: Client, workflowId: string): Promise<RunHistory> {
  const handle = client.workflow.getHandle(workflowId);
  const [history, description] = await Promise.all([handle.fetchHistory(), handle.describe()]);
  const entries = new Map<number, JournalEntry>();
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) for (const entry of decode<[RunSpellInput]>(scheduled.input)?.[0]?.tail ?? []) entries.set(entry.seq, entry);
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed) for (const entry of decode<RunSpellResult>(completed.result)?.entries ?? []) entries.set(entry.seq, entry);
  }
  return {
    runId: workflowId,
    status: description.status.name,
    entries: [...entries.values()].sort((a, b) => a.seq - b.seq),
  };
}
