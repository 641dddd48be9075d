/**
 * The spell workflow's public surface: queries and the signal. Imported by clients and the
 * workflow; only `@temporalio/workflow` and the pure contract.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Json, SpellEvent } from '../journal/types.ts';
import type { SpellProgress } from '../contract/run.ts';

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
