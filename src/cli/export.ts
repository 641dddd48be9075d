/**
 * `llmspell export`'s file: everything needed to audit and replay a run with no Temporal
 * server — each run of the workflow id (a continued run is several), its input and source,
 * its journal chains with their hashes, engine and model ids, usage.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import { journalHash } from '../journal/canonical.ts';
import { sha256 } from '../activities/run-cache.ts';
import type { Json, JournalEntry, UsageTotals } from '../journal/types.ts';
import type { SpellWorkflowInput } from '../contract/run.ts';
import { resolveSettings } from '../contract/settings.ts';
import { CliError } from '../errors/index.ts';
import { readHistoryTree } from './history.ts';
import type { RecordedRun } from './replaying.ts';

export const RUN_EXPORT_FORMAT = 'llmspell-run-export';

const entry = z.custom<JournalEntry>((v) => typeof v === 'object' && v !== null && typeof (v as JournalEntry).seq === 'number' && typeof (v as JournalEntry).kind === 'string');

/** One exported run (a workflow id's run: its Temporal run id). */
const exportedRun = z.object({
  runId: z.string(),
  startedAtMs: z.number(),
  spell: z.custom<SpellWorkflowInput>((v) => typeof v === 'object' && v !== null && typeof (v as SpellWorkflowInput).source === 'string'),
  engine: z.string(),
  model: z.string(),
  chains: z.record(z.string(), z.array(entry)),
  /** The hash of each chain after its last entry (journal/canonical.ts). */
  chainHashes: z.record(z.string(), z.string()),
  result: z.custom<Json>().optional(),
});

export const runExport = z.object({
  format: z.literal(RUN_EXPORT_FORMAT),
  version: z.literal(1),
  workflowId: z.string(),
  status: z.string(),
  exportedAt: z.string(),
  usage: z.custom<UsageTotals>(),
  runs: z.array(exportedRun).min(1),
});
export type RunExport = z.output<typeof runExport>;

export async function exportRun(client: Client, workflowId: string): Promise<RunExport> {
  // One read of the run's histories: the journal tree and the runs it was rebuilt from.
  const { history, runs } = await readHistoryTree(client, workflowId);
  return {
    format: RUN_EXPORT_FORMAT,
    version: 1,
    workflowId,
    status: history.status,
    exportedAt: new Date().toISOString(),
    usage: history.usage,
    runs: runs.map((run) => ({
      runId: run.runId,
      startedAtMs: run.startedAtMs,
      spell: run.spell,
      engine: run.spell.engine,
      model: resolveSettings(run.spell.options, workflowId, run.spell.carried?.generation).defaultModel,
      chains: run.chains,
      chainHashes: Object.fromEntries(Object.entries(run.chains).map(([chain, entries]) => [chain, journalHash(entries, sha256)])),
      ...(run.result !== undefined ? { result: run.result } : {}),
    })),
  };
}

/** An export file, checked; a file that is not one is a ConfigError naming what is wrong. */
export async function readExport(file: string): Promise<RunExport> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new CliError('ConfigError', `${file}: not a readable JSON file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const parsed = runExport.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError('ConfigError', `${file}: not an llmspell run export: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return parsed.data;
}

/** A run of an export (default its latest), as replay takes it. */
export function recordedOf(exported: RunExport, run = exported.runs.at(-1)!): RecordedRun & { chainHashes: Record<string, string> } {
  return {
    workflowId: exported.workflowId,
    runId: run.runId,
    spell: run.spell,
    startedAtMs: run.startedAtMs,
    chains: run.chains,
    chainHashes: run.chainHashes,
    ...(run.result !== undefined ? { result: run.result } : {}),
  };
}
