/** `llmspell history`: a run's journal read back from Temporal history. */
import type { Client } from '@temporalio/client';
import type { JournalEntry } from '../journal/types.ts';
import { runFromHistory } from '../activities/history.ts';

export interface RunHistory {
  runId: string;
  status: string;
  entries: JournalEntry[];
}

export async function readHistory(client: Client, workflowId: string): Promise<RunHistory> {
  const handle = client.workflow.getHandle(workflowId);
  const [history, description] = await Promise.all([handle.fetchHistory(), handle.describe()]);
  return { runId: workflowId, status: description.status.name, entries: runFromHistory(history).entries };
}
