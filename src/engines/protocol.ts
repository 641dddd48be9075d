/**
 * Messages between the activity (main thread) and an engine worker thread, and the
 * request/outcome of one re-execution of a spell.
 */
import type {
  BoundaryCall,
  Json,
  JournalEntry,
  LogRecord,
  SpellErrorData,
  SpellEvent,
  StateOp,
} from '../journal/types.ts';
import type { ModelPrice } from '../models/prices.ts';

export type EngineName = 'lua' | 'javascript' | 'tengo';

/** The file extension of each engine's spells (`.mjs` runs as JavaScript too). */
export const SPELL_EXTENSIONS: Record<EngineName, string> = { lua: '.lua', javascript: '.js', tengo: '.tengo' };

/** Limits enforced on every run of a script. */
export interface Limits {
  /** Time the script itself may run per activity (time spent waiting on effects excluded). */
  timeoutMs: number;
  /** Memory the engine may allocate for the script. */
  memoryLimitBytes: number;
  /** Largest result, argument, event or state value, as JSON. */
  outputLimitBytes: number;
}

export const DEFAULT_LIMITS: Limits = {
  timeoutMs: 10_000,
  memoryLimitBytes: 64 * 1024 * 1024,
  outputLimitBytes: 1024 * 1024,
};

export interface Budget {
  /** Most tokens (input + output) the whole run may use. */
  maxTokens?: number;
  /** Most US dollars the whole run may spend. */
  maxCost?: number;
}

/** What a run has used so far, as `spell.usage()` returns it. */
export interface UsageTotals {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  /** US dollars, from the price table. */
  cost: number;
  /** Model calls made. */
  calls: number;
}

/** Completed effects of the step being executed, saved by activity heartbeat. */
export interface Checkpoint {
  /** Seq of the boundary the activity was executing. */
  seq: number;
  /** The completed top-level effect (when the boundary is not a step). */
  entry?: JournalEntry;
  /** Completed effects inside the step. */
  children: JournalEntry[];
  /** Progress inside one long effect (an agent's completed steps), by request key. */
  effect?: { key: string; progress: Json };
  /** Text streamed so far by the running call, for live views (`llmspell run`); never replayed. */
  live?: { key: string; text: string };
}

/** One re-execution of a spell, from the top, against its journal. */
export interface RunRequest {
  engine: EngineName;
  source: string;
  /** Shown in error locations (`hello.lua:3`). */
  fileName: string;
  input: Json;
  spell: {
    /** Workflow id. */
    id: string;
    runId: string;
    /** Activity attempt (1-based). */
    attempt: number;
    /** Workflow start time: the deterministic clock before any journaled call. */
    startedAtMs: number;
    /** Seed for math.random. */
    seed: number;
  };
  journal: JournalEntry[];
  /** Model id used by `llm.generate` calls that name none. */
  defaultModel: string;
  /** Token and cost budgets; a model call is refused once it would exceed one. */
  budget?: Budget;
  /** Prices per model for cost; default DEFAULT_PRICES. */
  prices?: Record<string, ModelPrice>;
  /** Side effects of pure calls (events, logs, state ops) with a call index below this were already reported. */
  reportFromCall: number;
  checkpoint?: Checkpoint;
  limits: Limits;
}

/** Where the script stopped. */
export type Next =
  | { type: 'boundary'; call: BoundaryCall }
  | { type: 'done'; result: Json }
  | { type: 'failed'; error: SpellErrorData }
  /** A step asked for retries and failed: the activity fails so Temporal retries it. */
  | { type: 'retry'; error: SpellErrorData };

export interface RunOutcome {
  /** The one new journal entry this execution produced, if any. */
  entries: JournalEntry[];
  events: SpellEvent[];
  logs: LogRecord[];
  stateOps: StateOp[];
  /** Bridge-call counter when the script stopped. */
  calls: number;
  next: Next;
}

/** An effect the engine thread asks the host to carry out. */
export interface EffectRequest {
  kind: 'llm.generate' | 'llm.object' | 'llm.stream' | 'agent.run' | 'tool.call';
  /** Which call this is (`seq`, or `seq.child` inside a step): keys the effect's own checkpoint. */
  key: string;
  name: string;
  args: Json;
}

export type EffectResult =
  | { ok: true; value: Json; usage?: JournalEntry['usage'] }
  | { ok: false; error: SpellErrorData };

export type ToThread =
  | { type: 'run'; id: number; request: RunRequest }
  | { type: 'effectResult'; id: number; callId: number; result: EffectResult }
  /** Runs a tool the script defined (tool.define) while an agent effect is under way. */
  | { type: 'toolCall'; id: number; callId: number; name: string; args: Json };

export type FromThread =
  | { type: 'ready' }
  | { type: 'effect'; id: number; callId: number; effect: EffectRequest }
  /** One more completed effect: messages stay small however many effects a step makes. */
  | { type: 'completed'; id: number; seq: number; entry?: JournalEntry; child?: JournalEntry }
  | { type: 'outcome'; id: number; outcome: RunOutcome; memoryUsedBytes: number }
  | { type: 'toolResult'; id: number; callId: number; result: EffectResult };
