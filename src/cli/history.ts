/**
 * A run's journal read back from Temporal history: every run of the workflow id (a run that
 * continued as new is a chain of runs), every branch chain, and child spells as a tree.
 */
import type { Client } from '@temporalio/client';
import { MAIN_CHAIN, type Json, type JournalEntry } from '../journal/types.ts';
import { runFromHistory, type RebuiltRun } from '../activities/history.ts';

export interface RunJournal {
  runId: string;
  /** Journal chains by path: `''` is the main line, `3/1` branch 1 of the parallel call at 3. */
  chains: Record<string, JournalEntry[]>;
  result?: Json;
}

export interface RunHistory {
  /** The workflow id. */
  runId: string;
  status: string;
  /** The main line of the latest run. */
  entries: JournalEntry[];
  /** Every run of the workflow id, oldest first: continue-as-new makes more than one. */
  runs: RunJournal[];
  /** Child spells (spell.spawn), by workflow id, with their own journals. */
  children: Record<string, RunHistory>;
}

/** Every run of `workflowId`, oldest first, as rebuilt from their histories. */
export async function runsOf(client: Client, workflowId: string): Promise<Array<RebuiltRun & { runId: string }>> {
  const converter = client.options.loadedDataConverter;
  const latest = await client.workflow.getHandle(workflowId).describe();
  const runs: Array<RebuiltRun & { runId: string }> = [];
  let runId: string | undefined = latest.runId;
  while (runId) {
    const rebuilt = await runFromHistory(await client.workflow.getHandle(workflowId, runId).fetchHistory(), converter);
    runs.unshift({ ...rebuilt, runId });
    runId = rebuilt.continuedFromRunId;
  }
  return runs;
}

export async function readHistory(client: Client, workflowId: string, options: { children?: boolean } = {}): Promise<RunHistory> {
  const [runs, description] = await Promise.all([runsOf(client, workflowId), client.workflow.getHandle(workflowId).describe()]);
  const children: Record<string, RunHistory> = {};
  if (options.children) {
    for (const run of runs) {
      for (const entries of Object.values(run.chains)) {
        for (const entry of entries) {
          const id = entry.kind === 'spell.spawn' ? (entry.result as { id?: unknown } | undefined)?.id : undefined;
          if (typeof id === 'string') children[id] = await readHistory(client, id, options);
        }
      }
    }
  }
  return {
    runId: workflowId,
    status: description.status.name,
    entries: runs.at(-1)?.chains[MAIN_CHAIN] ?? [],
    runs: runs.map((run) => ({ runId: run.runId, chains: run.chains, ...(run.result !== undefined ? { result: run.result } : {}) })),
    children,
  };
}
