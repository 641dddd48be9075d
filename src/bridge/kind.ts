/**
 * What a bridge room declares for each call kind: its class, its zod schema, its journal
 * name, and its implementation — inline for pure calls, on the worker's main thread for
 * effects. Rooms are listed once in ./registry.ts.
 */
import type { z } from 'zod';
import type { CallClass } from '../contract/kinds.ts';
import type { HistoryInfo } from '../contract/run.ts';
import type { Json, JournalEntry, LogRecord, SpellErrorData, StateOp, UsageTotals } from '../journal/types.ts';
import type { ModelResolver } from '../models/registry.ts';

/** What pure calls reach inside a run (the runtime implements it). */
export interface PureRun {
  readonly state: ReadonlyMap<string, Json>;
  changeState(op: StateOp): void;
  emit(name: string, data: Json): void;
  log(level: LogRecord['level'], message: string, fields?: Json): void;
  usage(): UsageTotals;
  history(): HistoryInfo;
}

export interface BridgeKind<A = any> {
  readonly kind: string;
  readonly class: CallClass;
  /** Arguments, validated before anything else happens: errors name the function and the field. */
  readonly args: z.ZodType<A>;
  /** The script function that makes the call, for error messages (`hook.before` for `hook.define`); default the kind. */
  readonly label?: (args: Record<string, unknown>) => string;
  /** The name the journal records (step name, model id, tool name); default `args.name`. */
  readonly name?: (args: A) => string;
  /** May be called from a tool the script defined (tools may only read state). */
  readonly readOnly?: boolean;
  /** A model call: a missing `model` is the run's default model, and the budget is checked first. */
  readonly model?: boolean;
  /** Quick enough to run in a local activity (no heartbeats, no checkpoint): offline models, quick host tools. */
  readonly quick?: (args: any, quickTools: readonly string[]) => boolean;
  /** Pure calls: the answer, computed inline. */
  readonly pure?: (args: A, run: PureRun) => Json;
  /** Pure calls whose answer depends on when they run (spell.history): journaled, so replays agree. */
  readonly recorded?: boolean;
  /**
   * Effects (and commands that need the worker first, like spell.spawn reading a file): carried
   * out on the worker's main thread, where keys live. Loaded on first use, so engine threads
   * never load the AI SDK.
   */
  readonly host?: () => Promise<EffectHandler>;
}

/** Carries out one effect. Resolves with the script-visible result or error; throws a retryable SpellError when a retry may pass. */
export type EffectHandler = (args: any, deps: EffectDeps, ctx: EffectContext) => Promise<EffectResult>;

/**
 * A tool registered on the worker, callable from spells with `tool.call(name, args)` and by
 * agents. A description and a JSON Schema tell models how to call it.
 */
export type HostTool =
  | ((args: Json) => Json | Promise<Json>)
  | {
      description?: string;
      schema?: Record<string, unknown>;
      /**
       * Finishes in well under a second and may run again after a lost worker: the call runs in
       * a local activity, without a server round trip (and without a checkpoint).
       */
      quick?: boolean;
      /**
       * Changes something outside the run (sends mail, writes a ticket): a fork (`llmspell fork`)
       * refuses to run it live unless told to (`--allow-effects`).
       */
      effects?: boolean;
      execute: (args: Json) => Json | Promise<Json>;
    };

/** An MCP server the worker can reach: a command it starts (stdio) or a URL (streamable HTTP). */
export type McpServerConfig =
  | { command: string; args?: string[]; env?: Record<string, string> }
  | { url: string; headers?: Record<string, string> };

export interface EffectDeps {
  models: ModelResolver;
  tools: Record<string, HostTool>;
  /** MCP servers by name; agents use their tools with `tools = { "mcp:<name>" }`. */
  mcpServers?: Record<string, McpServerConfig>;
}

/** How one effect reaches its run while it executes. */
export interface EffectContext {
  /** Progress saved by an earlier attempt of this same call (an agent's completed steps). */
  resume?: Json;
  /** Saves progress; it survives a lost worker (activity heartbeat). */
  progress?(data: Json): void;
  /** Runs a tool the script defined (tool.define), in its engine. */
  scriptTool?(name: string, args: Json): Promise<EffectResult>;
  /** Reports a streamed chunk as it arrives, for live views. */
  live?(chunk: string): void;
  /** The folder the spell was read from (spell.spawn resolves relative files against it). */
  spellDir?: string;
  /** The engine for a spell file, by `engine` name when given, else by extension; throws SpellInputError. */
  engineFor?(file: string, engine?: string): { name: string; extension: string };
  /** Set in a fork that was not allowed effects: host tools marked `effects` are refused (EffectRefused). */
  refuseEffects?: { forkOf: string };
}

/** An effect the engine asks the host to carry out. */
export interface EffectRequest {
  kind: string;
  /** Which call this is (its path, or `path.child` inside a step): keys the effect's own checkpoint. */
  key: string;
  name: string;
  args: Json;
}

export type EffectResult = { ok: true; value: Json; usage?: JournalEntry['usage'] } | { ok: false; error: SpellErrorData };

/** One parameter of a script-facing function, for docs and editor types. */
export interface ApiParam {
  name: string;
  schema: z.ZodType;
  optional?: boolean;
  /** A function parameter, which never crosses the bridge: `thunk` (step's fn), `thunks` (a list of them), `item` (fn(item, index)). */
  fn?: 'thunk' | 'thunks' | 'item';
}

/** A script-facing function as docs and editor types show it. */
export interface ApiFunction {
  module: string | null;
  name: string;
  doc: string;
  params: ApiParam[];
  result: z.ZodType | null;
  /** Effects and commands: `await` in JavaScript. */
  async: boolean;
}
