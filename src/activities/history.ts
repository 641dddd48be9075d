/**
 * A run rebuilt from its Temporal history: the journal lives there and nowhere else.
 * New entries are activity results; entries the workflow appended (durable commands)
 * travel in the next activity's input.
 */
import type { temporal } from '@temporalio/proto';
import type { Json, JournalEntry } from '../journal/types.ts';
import type { RunSpellInput, RunSpellResult, SpellWorkflowInput } from '../workflows/api.ts';

type History = temporal.api.history.v1.IHistory;

/** The first payload (one payload per argument) as JSON. */
function decode<T>(payloads: temporal.api.common.v1.IPayloads | null | undefined): T | undefined {
  const payload = payloads?.payloads?.[0];
  if (!payload?.data) return undefined;
  return JSON.parse(Buffer.from(payload.data).toString('utf8')) as T;
}

export interface RebuiltRun {
  spell: SpellWorkflowInput;
  /** Journal entries in seq order. */
  entries: JournalEntry[];
  /** The first activity's input: the run's seed, start time, limits and model settings. */
  firstActivity?: RunSpellInput;
  /** The spell's result, when the run completed. */
  result?: Json;
}

export function runFromHistory(history: History): RebuiltRun {
  let spell: SpellWorkflowInput | undefined;
  let firstActivity: RunSpellInput | undefined;
  let result: Json | undefined;
  const entries = new Map<number, JournalEntry>();
  for (const event of history.events ?? []) {
    const started = event.workflowExecutionStartedEventAttributes;
    if (started) spell = decode<SpellWorkflowInput>(started.input);
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const input = decode<RunSpellInput>(scheduled.input);
      firstActivity ??= input;
      for (const entry of input?.tail ?? []) entries.set(entry.seq, entry);
    }
    const completedRun = event.workflowExecutionCompletedEventAttributes;
    if (completedRun) result = decode<Json>(completedRun.result) ?? null;
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed) for (const entry of decode<RunSpellResult>(completed.result)?.entries ?? []) entries.set(entry.seq, entry);
  }
  if (!spell) throw new Error('history has no WorkflowExecutionStarted event with a spell input');
  return {
    spell,
    entries: [...entries.values()].sort((a, b) => a.seq - b.seq),
    ...(firstActivity ? { firstActivity } : {}),
    ...(result !== undefined ? { result } : {}),
  };
}
