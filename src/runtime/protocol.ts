/** One re-execution of a spell, from the top, against its journal: what the runtime is given and how it reaches the host. */
import type { HistoryInfo } from '../contract/run.ts';
import type { Budget, Limits } from '../contract/settings.ts';
import type { ModelPrice } from '../contract/usage.ts';
import type { EffectRequest, EffectResult } from '../bridge/kind.ts';
import type { BoundaryCall, Json, JournalEntry, SpellErrorData, UsageTotals } from '../journal/types.ts';

export type { EffectRequest, EffectResult };

/** Completed effects of the boundary being executed, saved by activity heartbeat. */
export interface Checkpoint {
  /** Seq (in the target chain) of the boundary the activity was executing. */
  seq: number;
  /** The completed top-level effect (when the boundary is not a step). */
  entry?: JournalEntry;
  /** Completed effects inside the step. */
  children: JournalEntry[];
  /** Progress inside one long effect (an agent's completed steps), by request key. */
  effect?: { key: string; progress: Json };
  /** Text streamed so far by the running call, for live views (`llmspell run`); never replayed. */
  live?: { key: string; text: string };
  /** The boundary being executed: if the attempt times out, the workflow journals the failure against it. */
  call?: Omit<BoundaryCall, 'args'>;
}

export interface RunRequest {
  engine: string;
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
    /** Run start time: the deterministic clock before any journaled call. */
    startedAtMs: number;
    /** Seed of the run's random sequence. */
    seed: number;
  };
  /** Journal chains by path: the target chain and, for a branch, its ancestors up to the parallel calls that lead to it. */
  chains: Record<string, JournalEntry[]>;
  /** The chain to execute: `''` (the main line) or a branch such as `3/1`. */
  target: string;
  /** Model of calls that name none. */
  defaultModel: string;
  /** Token and cost budgets; a model call is refused once it would exceed one. */
  budget?: Budget;
  /** What the run spent outside these chains (other branches, children, leases); without it, what the chains show. */
  spent?: { tokens: number; cost: number };
  prices: Record<string, ModelPrice>;
  /** Side effects of pure calls (events, logs, state ops) with a call index below this, in the target chain, were already reported. */
  reportFromCall: number;
  /** Path of the boundary this activity was scheduled for: a step with its own options runs only in its own activity. */
  scheduled?: string;
  checkpoint?: Checkpoint;
  limits: Limits;
  /** State the run started with, and what earlier runs used (carried over by continue-as-new). */
  initialState?: Record<string, Json>;
  carriedUsage?: UsageTotals;
  /** The run's history so far, for spell.history(). */
  history?: HistoryInfo;
  /**
   * A local activity (no server round trip): it runs quick work only — pure code, steps,
   * quick effects — several pieces in one go, and stops before anything else. Quick effects
   * are `llm.*` on the offline model, spell.spawn's file read, and the host tools named here.
   */
  local?: { quickTools: string[] };
}

/** What a bridge call answers: a value, a script-level error, or work the script must await. */
export type CallAnswer =
  | { status: 'ok'; value: Json }
  | { status: 'error'; error: SpellErrorData }
  | { status: 'async'; promise: Promise<CallAnswer> };

/** How the runtime reaches the host (the activity on the main thread). */
export interface RuntimeHost {
  effect(request: EffectRequest): Promise<EffectResult>;
  /** New work began at boundary `call` of the target chain (a step, or an effect outside one). */
  started(call: Omit<BoundaryCall, 'args'>): void;
  /** A completed effect of boundary `seq`: the top-level effect itself, or one more effect inside its step. */
  completed(seq: number, done: { entry: JournalEntry } | { child: JournalEntry }): void;
}
