// Generated from the bridge registry (src/bridge) by scripts/gen-types.ts: do not edit.
// JavaScript spells: the file is the body of an async function (top-level await and return).

/** Plain data: undefined is absent in objects and null in arrays. */
type Json = null | undefined | boolean | number | string | Json[] | { [key: string]: Json };
/** One chat message (llm.generate messages). */
type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string };

/** The spell's input (also spell.input). */
declare const input: any;
/** console.log/info/warn/error log through the bridge (log.*). */
declare const console: { log(...args: unknown[]): void; info(...args: unknown[]): void; warn(...args: unknown[]): void; error(...args: unknown[]): void };
/** Tools written in the script, for agents (name them in agent tools); they may read state, not change it, and return synchronously. */
declare const tool: {
  call(name: string, args?: Json): Promise<any>;
  define(definition: { name: string; description?: string; schema?: Record<string, unknown>; fn: (args: any) => Json }): void;
  list(): string[];
};
/** An agent: the AI SDK tool loop over host tools registered on the worker; each run is one journaled effect. */
declare const agent: {
  create(config: { name: string; model?: string | string[]; instructions: string; tools?: string[]; max_steps?: number; max_tokens?: number }): {
    readonly name: string;
    run(input: string | ChatMessage[]): Promise<{ text: string; steps: any[]; finish_reason: string; usage: { input_tokens: number; output_tokens: number; total_tokens: number }; model: string }>;
  };
};
/** Hooks around llm and tool calls ("llm", "llm.generate", "tool.call", "*"): higher priority first, then registration order. */
declare const hook: {
  /** Runs before matching calls: return new args, nothing to keep them, or hook.refuse(reason) (raises HookRefused). */
  before(kind: string, fn: (args: any, kind: string) => any, options?: { priority?: number }): void;
  /** Runs after matching calls: return a new result, or nothing to keep it. */
  after(kind: string, fn: (result: any, args: any, kind: string) => any, options?: { priority?: number }): void;
  refuse(reason: string): unknown;
};
/** Runs fn as one named durable step (one Temporal activity); its result is journaled. */
declare function step(name: string, fn: () => Json | Promise<Json>, options?: {
    retry?: {
      max_attempts: number;
      backoff?: number;
    };
    timeout?: number;
  }): Promise<any>;
/** A durable timer carried out by the workflow. */
declare function sleep(seconds: number): Promise<void>;
declare const llm: {
  /** Generates text with a model (an effect: journaled, not repeated on replay). Give exactly one of prompt or messages. */
  generate(args: {
    model?: string | Array<string>;
    system?: string;
    prompt?: string;
    messages?: Array<{
      role: "system" | "user" | "assistant";
      content: string;
    }>;
    temperature?: number;
    max_tokens?: number;
    stop?: Array<string>;
    seed?: number;
  }): Promise<{
    text: string;
    finish_reason: string;
    usage: {
      input_tokens?: number;
      output_tokens?: number;
      total_tokens?: number;
    };
    model: string;
  }>;
  /** Generates an object matching a JSON Schema (validated; a mismatch raises LlmObjectMismatch naming the path). */
  object(args: {
    model?: string | Array<string>;
    system?: string;
    prompt?: string;
    messages?: Array<{
      role: "system" | "user" | "assistant";
      content: string;
    }>;
    temperature?: number;
    max_tokens?: number;
    stop?: Array<string>;
    seed?: number;
    schema: {

    };
  }): Promise<{
    object: any;
    finish_reason: string;
    usage: {
      input_tokens?: number;
      output_tokens?: number;
      total_tokens?: number;
    };
    model: string;
  }>;
  /** Streams text; the chunks are journaled with the text, and on_chunk (a function, also accepted in args) is called with each, live and on replay alike. */
  stream(args: {
    model?: string | Array<string>;
    system?: string;
    prompt?: string;
    messages?: Array<{
      role: "system" | "user" | "assistant";
      content: string;
    }>;
    temperature?: number;
    max_tokens?: number;
    stop?: Array<string>;
    seed?: number;
    on_chunk?: (chunk: string) => unknown;
  }): Promise<{
    text: string;
    chunks: Array<string>;
    finish_reason: string;
    usage: {
      input_tokens?: number;
      output_tokens?: number;
      total_tokens?: number;
    };
    model: string;
  }>;
};
declare const signal: {
  /** Waits for a signal sent with `llmspell signal <run> <name> [JSON]`; nil/undefined on timeout. */
  wait(name: string, options?: {
    timeout?: number;
  }): Promise<any>;
};
declare const parallel: {
  /** Runs the functions as concurrent branches (each its own chain of activities); results in branch order. The first uncaught branch error cancels the others and is raised here. */
  (fns: Array<() => Json | Promise<Json>>, options?: {
    concurrency?: number;
  }): Promise<any[]>;
  /** Runs fn(item, index) for every item as concurrent branches; results in item order. */
  map(items: Array<Json>, fn: (item: any, index: number) => Json | Promise<Json>, options?: {
    concurrency?: number;
  }): Promise<any[]>;
  /** Like parallel, but returns every outcome: {ok = true, value} or {ok = false, error}. */
  settle(fns: Array<() => Json | Promise<Json>>, options?: {
    concurrency?: number;
  }): Promise<Array<{
    ok: boolean;
    value?: any;
    error?: any;
  }>>;
};
declare const spell: {
  readonly input: any;
  readonly id: string;
  readonly attempt: number;
  /** Starts a child spell (a child workflow) from a file (relative to this spell's folder) or {source, engine}; returns a handle with wait(), signal(name, data), cancel(). Its budget is a lease on what this run has left. */
  spawn(spell: string | {
    source: string;
    engine: string;
  }, input?: Json, options?: {
    budget?: {
      max_tokens?: number;
      max_cost?: number;
    };
    model?: string;
    timeout_ms?: number;
    memory_bytes?: number;
  }): Promise<{ readonly id: string; readonly child: string; wait(): Promise<any>; signal(name: string, data?: Json): Promise<void>; cancel(): Promise<void> }>;
  /** Ends this run's history and continues the same run id with a fresh journal, the new input and the run's state. */
  continue_as_new(input?: Json): Promise<void>;
  /** The run's history so far: {events, bytes, suggested} (suggested: Temporal suggests continuing as new). */
  history(): {
    events: number;
    bytes: number;
    suggested: boolean;
  };
  /** True on the patched code path: new runs, and runs past the point where they met this patch; false where a run recorded before the patch took the old path (a deliberate change, as Temporal's patched()). */
  patched(id: string): boolean;
  /** Model usage and cost of the run so far. */
  usage(): {
    input_tokens: number;
    output_tokens: number;
    total_tokens: number;
    cost: number;
    calls: number;
  };
};
declare const state: {
  /** Reads run-scoped state (queryable from outside the run). */
  get(key: string): any;
  /** Writes run-scoped state; nil/undefined deletes the key. */
  set(key: string, value?: Json): void;
  /** Deletes a state key. */
  delete(key: string): void;
  /** State keys, sorted. */
  keys(): Array<string>;
};
declare const event: {
  /** Emits an event, visible live in `llmspell run` and through the run's events query. */
  emit(name: string, data?: Json): void;
};
declare const log: {
  /** Logs at info level on the worker. */
  info(message: string, fields?: Json): void;
  /** Logs at warn level on the worker. */
  warn(message: string, fields?: Json): void;
  /** Logs at error level on the worker. */
  error(message: string, fields?: Json): void;
};
declare const json: {
  /** Encodes a value as JSON text with the bridge's conversion rules. */
  encode(value: Json): string;
  /** Decodes JSON text. */
  decode(text: string): any;
};
