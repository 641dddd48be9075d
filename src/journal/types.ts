/**
 * Journal format shared by the workflow (deterministic sandbox) and the worker side.
 * Pure types only: this file is bundled into Temporal's workflow sandbox.
 */

/** JSON values: everything that crosses the bridge is plain data. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * What a journaled call is (`llm.generate`, `step`, `sleep`, …): the bridge registry declares
 * every kind; the contract lists the commands the workflow carries out.
 */
export type EntryKind = string;

/**
 * The journal is a tree of chains. The main line of the spell is chain `''`; the branches of a
 * `parallel` call at `p` are chains `p/0`, `p/1`, …, so a call's path is its chain and its
 * index in that chain (`3`, `3/1/0`). Each chain is appended in order by one line of work.
 */
export const MAIN_CHAIN = '';

/** The path of the call at `seq` in `chain`. */
export function entryPath(chain: string, seq: number): string {
  return chain === MAIN_CHAIN ? `${seq}` : `${chain}/${seq}`;
}

/** How many calls a run's journal chains hold, its branches' included. */
export function journaledCalls(chains: Readonly<Record<string, readonly unknown[]>>): number {
  return Object.values(chains).reduce((n, entries) => n + entries.length, 0);
}

/** The chain of branch `branch` of the parallel call at `seq` in `chain`. */
export function branchChain(chain: string, seq: number, branch: number): string {
  return `${entryPath(chain, seq)}/${branch}`;
}

/** The way from the main chain to `chain`: each step is a parallel call (chain, seq) and the branch taken. */
export function pathTo(chain: string): Array<{ chain: string; seq: number; branch: number }> {
  if (chain === MAIN_CHAIN) return [];
  const parts = chain.split('/').map(Number);
  const steps: Array<{ chain: string; seq: number; branch: number }> = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    steps.push({ chain: parts.slice(0, i).join('/'), seq: parts[i]!, branch: parts[i + 1]! });
  }
  return steps;
}

/** What a run has used, as `spell.usage()` returns it. */
export interface UsageTotals {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  /** US dollars, from the price table. */
  cost: number;
  /** Model calls made. */
  calls: number;
}

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
  /** For `step` and `parallel`: state changes made inside, re-applied when the call is replayed. */
  stateOps?: StateOp[];
  /** Usage of work journaled elsewhere (a `parallel` call's branches, a child spell), for `spell.usage()`. */
  totals?: UsageTotals;
  /** The hash of the chain before this entry (see journal/canonical.ts): a journal verifies end to end. */
  prevHash?: string;
  /**
   * Index of the bridge call that ran this effect. The bridge's events around it are derived
   * from the entry (journal/events.ts), not kept in history a second time; entries journaled
   * before this field existed came with their events.
   */
  call?: number;
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
  /** A command the worker prepares before the workflow carries it out (spell.spawn reads its file): it needs an activity first. */
  prepare?: true;
  /** Quick work (a step, an offline model call, a quick tool): it may run in a local activity. */
  quick?: true;
}
