/**
 * The spell workflow's public surface: queries and the signal. Imported by clients and the
 * workflow; only `@temporalio/workflow` and the pure contract.
 */
import { defineQuery, defineSignal, defineUpdate, type Sinks } from '@temporalio/workflow';
import type { Json, JournalEntry, SpellEvent } from '../journal/types.ts';
import type { SpellProgress, SpellWorkflowInput } from '../contract/run.ts';

export type { SpellWorkflowInput, SpellProgress, StepLine, ChildResult, CarriedRun } from '../contract/run.ts';
export type { SpellRunOptions } from '../contract/settings.ts';

/** Search attribute names for usage totals (see SpellRunOptions.searchAttributes). */
export const USAGE_SEARCH_ATTRIBUTES = { tokens: 'llmspellTokens', cost: 'llmspellCostUsd' } as const;
/** Search attribute names (Keyword) for the spell file and engine, set when a run starts (see startSpell). */
export const SPELL_SEARCH_ATTRIBUTES = { spell: 'llmspellSpell', engine: 'llmspellEngine' } as const;

/** `spell.signal`: delivers `payload` to `signal.wait(name)`. */
export const spellSignal = defineSignal<[{ name: string; payload?: Json }]>('spell.signal');
export const stateQuery = defineQuery<Record<string, Json>>('spell.state');
export const eventsQuery = defineQuery<SpellEvent[]>('spell.events');
/** Timeline lines from index `fromLine` and events from index `fromEvent`. */
export const progressQuery = defineQuery<SpellProgress, [number, number]>('spell.progress');

/**
 * `spell.upgrade` (llmspell upgrade): switch a running spell to a new source that replayed
 * against its journal offline. `checked` is the length of each chain the check replayed: the
 * run switches at a boundary where its journal is still that long. No source: let go of a hold.
 */
export interface UpgradeRequest {
  source?: string;
  checked: Record<string, number>;
}

export type UpgradeOutcome =
  /** The run runs the new source from its next activity on. */
  | { status: 'upgraded'; sourceHash: string }
  /**
   * The journal grew since the check: the run now holds at its boundaries (for a short while)
   * so that a check against `chains` can catch up. `tails`: entries the workflow appended that
   * history shows only once the next activity of their chain is scheduled.
   */
  | { status: 'moved'; chains: Record<string, number>; tails: Record<string, JournalEntry[]> }
  | { status: 'released' };

export const upgradeUpdate = defineUpdate<UpgradeOutcome, [UpgradeRequest]>('spell.upgrade');

/**
 * The sink a new run hands its input to the worker's activities through, so that its first
 * activity need not fetch the run's history to learn the source (not called on replay; a
 * worker without it rebuilds from history).
 */
export interface SpellSinks extends Sinks {
  llmspellRuns: { started(input: SpellWorkflowInput): void };
}
