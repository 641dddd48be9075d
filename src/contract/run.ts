/**
 * The spell workflow's contract with its callers and its activity: input, activity input and
 * result, progress. Pure types: the workflow, the activities and the CLI share them.
 */
import type { BoundaryCall, Json, JournalEntry, LogRecord, SpellErrorData, SpellEvent, StateOp, UsageTotals } from '../journal/types.ts';
import type { Budget, SpellRunOptions } from './settings.ts';

/** What continue-as-new carries from one run of a spell to the next. */
export interface CarriedRun {
  /** Runs before this one (1 for the first continuation). */
  generation: number;
  state: Record<string, Json>;
  usage: UsageTotals;
  /** Run ids of the earlier runs, oldest first. */
  previousRunIds: string[];
  /** Signals received but not yet taken by signal.wait. */
  signals: Record<string, Json[]>;
}

/**
 * The workflow protocol new runs start with: 2 runs quick work in local activities and
 * publishes usage in batches; 3 publishes it in one place (search attributes, else the memo).
 */
export const WORKFLOW_PROTOCOL = 3;

export interface SpellWorkflowInput {
  /**
   * Which workflow behaviour the run started with: runs in flight keep theirs across worker
   * upgrades (absent: the first, one regular activity per boundary, usage published after each).
   */
  protocol?: number;
  source: string;
  /** Name shown in error locations, e.g. `hello.lua`. */
  fileName: string;
  /** Engine name (`lua`, `javascript`, `tengo`). */
  engine: string;
  input?: Json;
  options?: SpellRunOptions;
  /** Folder the spell was read from: `spell.spawn` resolves relative files against it. */
  dir?: string;
  carried?: CarriedRun;
  /**
   * A fork (`llmspell fork`): the run starts from the first `at` calls of another run's journal,
   * which replay with no model or tool call, and runs live from there. Its clock starts where
   * the original's did; a tool marked `effects` is not run live unless `allowEffects`.
   */
  fork?: { workflowId: string; runId: string; at: number; journal: JournalEntry[]; startedAtMs: number; allowEffects?: boolean };
  /** Set on a child spell (spell.spawn): its budget lease and parent, and it returns a {@link ChildResult}. */
  parent?: { workflowId: string; lease?: Budget };
}

/** What a child spell's workflow returns to its parent: the result and what it used. */
export interface ChildResult {
  result: Json;
  usage: UsageTotals;
}

/** A journal chain as an activity refers to it: its length and rolling hash. */
export interface ChainRef {
  chain: string;
  length: number;
  hash: string;
}

/** Input of the `runSpell` activity: references to the run's source and journal, never the payloads. */
export interface RunSpellInput {
  /** `sourceHashOf` the run's source (the worker's cached copy is checked against it). */
  sourceHash: string;
  startedAtMs: number;
  /** The chain this activity executes: `''` the main line, or a branch (`3/1`). */
  target: string;
  /** The chains on the way to the target, ancestors first: each ancestor up to the parallel call that leads on. */
  chains: ChainRef[];
  /** Entries the workflow appended (durable commands) that the chains' last activities did not return. */
  tails?: Record<string, JournalEntry[]>;
  /** Side effects of pure calls (events, logs, state ops) below this call index of the target were reported. */
  reportFromCall: number;
  /** Path of the boundary this activity was scheduled for: a step with options runs only in its own activity. */
  scheduled?: string;
  /** Attempts this activity gets: a provider failure on the last one is journaled, not retried. */
  maxAttempts: number;
  /** What the run spent outside the chains above (other branches, children, leases), for the budget. */
  spent?: { tokens: number; cost: number };
  /** The run's history so far, for spell.history(). */
  history: HistoryInfo;
  /** A local activity: it runs quick work only (see the runtime's RunRequest.local). */
  local?: true;
}

export interface HistoryInfo {
  events: number;
  bytes: number;
  /** Temporal suggests continuing as new. */
  suggested: boolean;
}

/** Where the script stopped. In a branch, `done` and `failed` end the branch. */
export type Next =
  | { type: 'boundary'; call: BoundaryCall }
  | { type: 'done'; result: Json }
  | { type: 'failed'; error: SpellErrorData }
  /** A step asked for retries and failed: the activity fails so Temporal retries it. */
  | { type: 'retry'; error: SpellErrorData };

/** What one re-execution produced. */
export interface RunOutcome {
  /** New journal entries of the target chain, in order, each with its prevHash. */
  entries: JournalEntry[];
  /** Digests (sha-256 of the canonical JSON) of the new entries over 16 KB, by index, computed by the worker: the workflow never hashes large results itself. */
  digests?: Record<string, string>;
  events: SpellEvent[];
  logs: LogRecord[];
  stateOps: StateOp[];
  /** Bridge-call counter of the target chain when the script stopped. */
  calls: number;
  next: Next;
  /**
   * From a local activity, whose input history does not keep: the chain it ran and the entries
   * the workflow had appended (its tails), so the journal can be read back from history.
   */
  target?: string;
  tails?: Record<string, JournalEntry[]>;
}

export type RunSpellResult = RunOutcome;

/** One line of the run's timeline, as `llmspell run` shows it. */
export interface StepLine {
  /** Path of the call (`3`, or `3/1/0` inside a branch). */
  path: string;
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
  /** Child spells started with spell.spawn, by workflow id. */
  children: Record<string, { fileName: string; engine: string; status: string }>;
}
