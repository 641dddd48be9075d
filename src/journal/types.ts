/**
 * Journal format shared by the workflow (deterministic sandbox) and the worker side.
 * Pure types only: this file is bundled into Temporal's workflow sandbox.
 */

/** JSON values: everything that crosses the bridge is plain data. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What a journaled call is: an effect runs in an activity, a command is carried out by the workflow. */
export type EntryKind =
  | 'llm.generate'
  | 'llm.object'
  | 'llm.stream'
  | 'agent.run'
  | 'tool.call'
  | 'step'
  | 'sleep'
  | 'signal.wait';

export const COMMAND_KINDS: readonly EntryKind[] = ['sleep', 'signal.wait'];

/** A serialisable error as it is journaled and raised back in the script. */
export interface SpellErrorData {
  /** Stable error type, e.g. `ScriptError`, `BridgeArgumentError`, `ProviderError`. */
  type: string;
  message: string;
  /** `file:line` where the script raised it, when known. */
  where?: string;
  /** True when retrying the same call might succeed (network, 429, 5xx). */
  retryable?: boolean;
}

export interface TokenUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
}

/** One bridge call that crossed a durable boundary, as recorded in workflow history. */
export interface JournalEntry {
  /** Position of the call among the run's durable calls (0-based). */
  seq: number;
  kind: EntryKind;
  /** Step name, model id, tool name, signal name or timer label. */
  name: string;
  /** Digest of the canonical JSON of the call's arguments. */
  argsDigest: string;
  result?: Json;
  error?: SpellErrorData;
  /** Epoch milliseconds when the call started (workflow time for commands). */
  startedAt: number;
  durationMs: number;
  /** Activity attempt that produced the entry (1 for workflow commands). */
  attempt: number;
  usage?: TokenUsage;
  /** For `step`: the effects made inside the step, in order (seq is local to the step). */
  children?: JournalEntry[];
  /** For `step`: number of bridge calls (pure ones too) made inside the step, so replay keeps call numbering. */
  calls?: number;
  /** For `step`: state changes made inside the step, re-applied when the step is replayed. */
  stateOps?: StateOp[];
}

export type StateOp = { op: 'set'; key: string; value: Json } | { op: 'delete'; key: string };

/** Events the bridge emits around effects (the step lines already show them in `llmspell run`). */
export const BRIDGE_EVENTS: readonly string[] = ['llm.request', 'llm.response', 'llm.chunk', 'tool.call', 'tool.result', 'agent.start', 'agent.step', 'agent.finish'];

/** An event emitted by the script (`event.emit`) or by the bridge. */
export interface SpellEvent {
  /** Index of the bridge call that emitted it: stable across re-executions. */
  call: number;
  name: string;
  data: Json;
}

export interface LogRecord {
  call: number;
  level: 'info' | 'warn' | 'error';
  message: string;
  fields?: Json;
}

/** The boundary the script stopped at, described without running it. */
export interface BoundaryCall {
  seq: number;
  kind: EntryKind;
  name: string;
  argsDigest: string;
  args: Json;
}
