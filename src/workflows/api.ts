/**
 * The spell workflow's public surface: input, activity contract, queries and signals.
 * Imported by clients, activities and the workflow; only `@temporalio/workflow` and types.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Json, JournalEntry, SpellEvent } from '../journal/types.ts';
import type { Budget, EngineName, Limits, RunOutcome, UsageTotals } from '../engines/protocol.ts';
import type { ModelPrice } from '../models/prices.ts';

/** Options of one spell run; every field has a documented default. */
export interface SpellRunOptions {
  limits?: Partial<Limits>;
  /** Model for `llm.generate` calls that name none. Default `offline:echo`. */
  defaultModel?: string;
  /** Attempts per step for failures that may pass (network, 429/5xx, lost worker). Default 3. */
  maxAttempts?: number;
  /** Start-to-close timeout of one step. Default 10 minutes. */
  stepTimeoutMs?: number;
  /** Heartbeat timeout: how soon a lost worker is noticed inside a step. Default 30 s. */
  heartbeatTimeoutMs?: number;
  /** Seed of math.random / Math.random. Default: derived from the run id. */
  seed?: number;
  /** Token and cost budgets (`--max-tokens`, `--max-cost`): a model call past one stops the run. */
  budget?: Budget;
  /** Prices per model id, over DEFAULT_PRICES. */
  prices?: Record<string, ModelPrice>;
  /**
   * Also keep the usage totals in the search attributes `llmspellTokens` (Int) and
   * `llmspellCostUsd` (Double), so runs can be listed by cost. The namespace must have them
   * registered: the dev server llmspell starts does. Default false.
   */
  searchAttributes?: boolean;
}

/** Search attribute names for usage totals (see SpellRunOptions.searchAttributes). */
export const USAGE_SEARCH_ATTRIBUTES = { tokens: 'llmspellTokens', cost: 'llmspellCostUsd' } as const;

export interface SpellWorkflowInput {
  source: string;
  /** Name shown in error locations, e.g. `hello.lua`. */
  fileName: string;
  engine: EngineName;
  input?: Json;
  options?: SpellRunOptions;
}

/** Input of the `runSpell` activity: references to the run's source and journal, never the payloads. */
export interface RunSpellInput {
  workflowId: string;
  runId: string;
  engine: EngineName;
  fileName: string;
  sourceHash: string;
  journalLength: number;
  journalHash: string;
  /** Entries the workflow appended (durable commands) since the previous activity. */
  tail: JournalEntry[];
  reportFromCall: number;
  startedAtMs: number;
  seed: number;
  defaultModel: string;
  limits: Limits;
  maxAttempts: number;
  budget?: Budget;
  prices?: Record<string, ModelPrice>;
}

export type RunSpellResult = RunOutcome;

/** One line of the run's timeline, as `llmspell run` shows it. */
export interface StepLine {
  seq: number;
  kind: string;
  name: string;
  durationMs: number;
  error?: string;
  usage?: JournalEntry['usage'];
}

export interface SpellProgress {
  status: 'running' | 'waiting' | 'completed' | 'failed';
  /** Model usage and cost so far (also the run's memo `usage`, for listing runs by cost). */
  usage: UsageTotals;
  /** What the run waits on (`signal.wait approve`, `sleep 5s`) when waiting. */
  waitingOn?: string;
  steps: StepLine[];
  events: SpellEvent[];
}

/** `spell.signal`: delivers `payload` to `signal.wait(name)`. */
export const spellSignal = defineSignal<[{ name: string; payload?: Json }]>('spell.signal');
export const stateQuery = defineQuery<Record<string, Json>>('spell.state');
export const eventsQuery = defineQuery<SpellEvent[]>('spell.events');
/** Timeline from step `fromSeq` and events from index `fromEvent`. */
export const progressQuery = defineQuery<SpellProgress, [number, number]>('spell.progress');
