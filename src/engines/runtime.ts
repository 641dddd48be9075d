/**
 * The engine-independent half of a spell run, inside the engine's worker thread:
 * journaled re-execution (DESIGN §2). Every bridge call from a script lands in
 * `call()`; recorded calls answer synchronously, the first new effect is handed to
 * the host, and the run stops at the next durable boundary after it.
 */
import type { z } from 'zod';
import { argsDigest } from '../journal/canonical.ts';
import type {
  BoundaryCall,
  EntryKind,
  Json,
  JournalEntry,
  LogRecord,
  SpellErrorData,
  SpellEvent,
  StateOp,
} from '../journal/types.ts';
import { COMMAND_KINDS } from '../journal/types.ts';
import { parseArgs } from '../bridge/validate.ts';
import { llmGenerateArgs, llmObjectArgs } from '../bridge/llm.ts';
import { toolCallArgs } from '../bridge/tool.ts';
import { agentRunArgs } from '../bridge/agent.ts';
import { stepArgs, type StepArgs } from '../bridge/step.ts';
import { sleepArgs } from '../bridge/sleep.ts';
import { signalWaitArgs } from '../bridge/signal.ts';
import { stateKeyArgs, stateKeysArgs, stateSetArgs } from '../bridge/state.ts';
import { eventEmitArgs } from '../bridge/event.ts';
import { logArgs } from '../bridge/log.ts';
import { jsonDecodeArgs } from '../bridge/json.ts';
import { NotSupported, SpellBudgetExceeded, SpellError, SpellNondeterminism, SpellOutputLimit } from '../errors/index.ts';
import { addUsage, emptyUsage } from '../journal/usage.ts';
import { DEFAULT_PRICES, type ModelPrice } from '../models/prices.ts';
import type { EffectRequest, EffectResult, Next, RunOutcome, RunRequest, UsageTotals } from './protocol.ts';

/** What a bridge call answers: a value, a script-level error, or work the script must await. */
export type CallAnswer =
  | { status: 'ok'; value: Json }
  | { status: 'error'; error: SpellErrorData }
  | { status: 'async'; promise: Promise<CallAnswer> };

/** How the runtime reaches the host (the activity on the main thread). */
export interface RuntimeHost {
  effect(request: EffectRequest): Promise<EffectResult>;
  /** A completed effect of boundary `seq`: the top-level effect itself, or one more effect inside its step. */
  completed(seq: number, done: { entry: JournalEntry } | { child: JournalEntry }): void;
}

interface ActiveStep {
  seq: number;
  name: string;
  argsDigest: string;
  options: StepArgs['options'];
  startedAt: number;
  callsAtStart: number;
  children: JournalEntry[];
  stateOps: StateOp[];
}

const never = new Promise<never>(() => {});

/** Call kinds whose arguments are validated here, by schema. */
const SCHEMAS: Record<string, z.ZodType> = {
  'llm.generate': llmGenerateArgs,
  'llm.object': llmObjectArgs,
  'llm.stream': llmGenerateArgs,
  'tool.call': toolCallArgs,
  'agent.run': agentRunArgs,
  step: stepArgs,
  sleep: sleepArgs,
  'signal.wait': signalWaitArgs,
  'state.get': stateKeyArgs,
  'state.delete': stateKeyArgs,
  'state.set': stateSetArgs,
  'state.keys': stateKeysArgs,
  'spell.usage': stateKeysArgs,
  'event.emit': eventEmitArgs,
  'log.info': logArgs,
  'log.warn': logArgs,
  'log.error': logArgs,
  'json.decode': jsonDecodeArgs,
};

/** What a script-defined tool may call while an agent runs it. */
const READ_ONLY_KINDS = new Set(['state.get', 'state.keys', 'json.decode', 'spell.usage']);

const EFFECT_KINDS = new Set(['llm.generate', 'llm.object', 'llm.stream', 'agent.run', 'tool.call']);

export class SpellRuntime {
  readonly state = new Map<string, Json>();
  /** Deterministic clock: the workflow start, then the end of the last journaled call passed. */
  nowMs: number;
  private seq = 0;
  private calls = 0;
  private executed: JournalEntry | undefined;
  private step: ActiveStep | undefined;
  private readonly events: SpellEvent[] = [];
  private readonly logs: LogRecord[] = [];
  private readonly stateOps: StateOp[] = [];
  private stopped: RunOutcome | undefined;
  private randomState: number;
  /** Model usage of the journaled calls passed so far. */
  private readonly usage: UsageTotals = emptyUsage();
  private readonly prices: Record<string, ModelPrice>;
  private resolveStop!: (outcome: RunOutcome) => void;
  /** Settles when the script reaches a point where this execution must end. */
  readonly stoppedAt: Promise<RunOutcome>;

  private readonly request: RunRequest;
  private readonly host: RuntimeHost;

  constructor(request: RunRequest, host: RuntimeHost) {
    this.request = request;
    this.host = host;
    this.nowMs = request.spell.startedAtMs;
    this.randomState = request.spell.seed | 0;
    this.prices = request.prices ?? DEFAULT_PRICES;
    this.stoppedAt = new Promise((resolve) => (this.resolveStop = resolve));
  }

  get isStopped(): boolean {
    return this.stopped !== undefined;
  }

  /** True while a step's fn runs (between a `step` call answered `{replayed: false}` and `endStep`). */
  get stepRunning(): boolean {
    return this.step !== undefined;
  }

  private toolDepth = 0;

  /**
   * Runs a script-defined tool for an agent. The tool's result is journaled with the agent
   * run and the tool is not run again on replay, so it may read state but not change it.
   */
  inScriptTool<T>(fn: () => T): T {
    this.toolDepth++;
    try {
      return fn();
    } finally {
      this.toolDepth--;
    }
  }

  /** Next number in [0, 1) of the run's seeded sequence (mulberry32): the same in every engine. */
  random(): number {
    this.randomState = (this.randomState + 0x6d2b79f5) | 0;
    let t = Math.imul(this.randomState ^ (this.randomState >>> 15), 1 | this.randomState);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** One bridge call from the script. `args` is plain data already converted from the engine. */
  call(kind: string, args: Json): CallAnswer {
    if (this.stopped) return { status: 'async', promise: never };
    const callIndex = this.calls++;
    try {
      this.checkSize(kind, args);
      const schema = SCHEMAS[kind];
      if (!schema) throw new NotSupported(`${kind} is not supported`);
      const parsed = parseArgs(kind, schema, args) as Record<string, Json>;
      if (this.toolDepth > 0 && !READ_ONLY_KINDS.has(kind)) {
        throw new NotSupported(`${kind} cannot be used inside a tool defined with tool.define (tools may only read state)`);
      }
      switch (kind) {
        case 'state.get':
          return ok(this.state.get(parsed.key as string) ?? null);
        case 'state.keys':
          return ok([...this.state.keys()].sort());
        case 'spell.usage':
          return ok({ ...this.usage });
        case 'state.set':
        case 'state.delete':
          return this.stateChange(callIndex, kind, parsed);
        case 'event.emit':
          if (callIndex >= this.request.reportFromCall) {
            this.events.push({ call: callIndex, name: parsed.name as string, data: parsed.data ?? null });
          }
          return ok(null);
        case 'log.info':
        case 'log.warn':
        case 'log.error':
          if (callIndex >= this.request.reportFromCall) {
            this.logs.push({
              call: callIndex,
              level: kind.slice(4) as LogRecord['level'],
              message: parsed.message as string,
              ...(parsed.fields !== undefined ? { fields: parsed.fields } : {}),
            });
          }
          return ok(null);
        case 'json.decode':
          return this.jsonDecode(parsed.text as string);
        default:
          return this.boundary(kind as EntryKind, parsed);
      }
    } catch (error) {
      return this.fail(error);
    }
  }

  /** Ends the step begun by a `step` call whose answer was `{run: true}`; `outcome` is fn's result or error. */
  endStep(outcome: { ok: true; value: Json } | { ok: false; error: SpellErrorData }): CallAnswer {
    const step = this.step;
    if (!step || this.stopped) return { status: 'async', promise: never };
    this.step = undefined;
    const callsInside = this.calls - step.callsAtStart;
    try {
      if (outcome.ok) this.checkSize('step result', outcome.value);
    } catch (error) {
      return this.fail(error);
    }
    const entry: JournalEntry = {
      seq: step.seq,
      kind: 'step',
      name: step.name,
      argsDigest: step.argsDigest,
      ...(outcome.ok ? { result: outcome.value } : { error: outcome.error }),
      startedAt: step.startedAt,
      durationMs: Math.max(0, Date.now() - step.startedAt),
      attempt: this.request.spell.attempt,
      children: step.children,
      calls: callsInside,
      stateOps: step.stateOps,
    };
    const maxAttempts = step.options?.retry?.max_attempts ?? 1;
    if (!outcome.ok && this.request.spell.attempt < maxAttempts) {
      this.stop({ type: 'retry', error: outcome.error });
      return { status: 'async', promise: never };
    }
    this.record(entry);
    return outcome.ok ? ok(outcome.value) : { status: 'error', error: outcome.error };
  }

  /** The script returned (or raised) at top level. */
  finish(outcome: { ok: true; value: Json } | { ok: false; error: SpellErrorData }): void {
    if (this.stopped) return;
    if (outcome.ok) {
      try {
        this.checkSize('result', outcome.value);
        if (this.seq < this.request.journal.length) {
          const held = this.request.journal[this.seq]!;
          throw new SpellNondeterminism(
            `call #${held.seq}: history holds ${describe(held)} but the script returned without making it`,
          );
        }
      } catch (error) {
        this.fail(error);
        return;
      }
      this.stop({ type: 'done', result: outcome.value });
    } else {
      this.stop({ type: 'failed', error: outcome.error });
    }
  }

  /** A limit or nondeterminism: ends the run whatever the script does next. */
  fatal(error: SpellErrorData): void {
    this.stop({ type: 'failed', error });
  }

  private stop(next: Next): void {
    if (this.stopped) return;
    this.stopped = {
      entries: this.executed ? [this.executed] : [],
      events: this.events,
      logs: this.logs,
      stateOps: this.stateOps,
      calls: this.calls,
      next,
    };
    this.resolveStop(this.stopped);
  }

  private fail(error: unknown): CallAnswer {
    const data = toErrorData(error);
    if (error instanceof SpellNondeterminism || error instanceof SpellOutputLimit || error instanceof SpellBudgetExceeded) {
      this.fatal(data);
      return { status: 'async', promise: never };
    }
    return { status: 'error', error: data };
  }

  private checkSize(what: string, value: unknown): void {
    if (value === undefined) return;
    const size = JSON.stringify(value)?.length ?? 0;
    if (size > this.request.limits.outputLimitBytes) {
      throw new SpellOutputLimit(
        `${what}: ${size} bytes of JSON is over the output limit of ${this.request.limits.outputLimitBytes} bytes`,
      );
    }
  }

  private stateChange(callIndex: number, kind: string, args: Record<string, Json>): CallAnswer {
    const key = args.key as string;
    const op: StateOp =
      kind === 'state.set' && args.value !== undefined && args.value !== null
        ? { op: 'set', key, value: args.value }
        : { op: 'delete', key };
    applyStateOp(this.state, op);
    this.step?.stateOps.push(op);
    if (callIndex >= this.request.reportFromCall) this.stateOps.push(op);
    return ok(null);
  }

  private jsonDecode(text: string): CallAnswer {
    try {
      return ok(JSON.parse(text) as Json);
    } catch (error) {
      return { status: 'error', error: { type: 'SpellBridgeArgument', message: `json.decode: ${(error as Error).message}` } };
    }
  }

  /** A call that crosses a durable boundary: replayed from the journal, executed, or the place to stop. */
  private boundary(kind: EntryKind, args: Record<string, Json>): CallAnswer {
    if ((kind.startsWith('llm.') || kind === 'agent.run') && args.model === undefined) {
      args = { ...args, model: this.request.defaultModel };
    }
    const name = boundaryName(kind, args);
    const digest = argsDigest(args);
    if (this.step) return this.inStep(kind, name, digest, args);

    const seq = this.seq++;
    const held = this.request.journal[seq];
    if (held) {
      expectSame(held, { kind, name, argsDigest: digest }, `call #${seq}: history`);
      this.nowMs = held.startedAt + held.durationMs;
      addUsage(this.usage, held, this.prices);
      if (kind === 'step') {
        for (const op of held.stateOps ?? []) applyStateOp(this.state, op);
        this.calls += held.calls ?? 0;
        return held.error ? { status: 'error', error: held.error } : ok({ replayed: true, value: held.result ?? null });
      }
      return answerOf(held);
    }

    // New work. Commands belong to the workflow; one new effect per execution.
    if (this.executed || COMMAND_KINDS.includes(kind)) {
      const call: BoundaryCall = { seq, kind, name, argsDigest: digest, args };
      this.stop({ type: 'boundary', call });
      return { status: 'async', promise: never };
    }
    const saved = this.request.checkpoint;
    if (kind === 'step') {
      this.step = {
        seq,
        name,
        argsDigest: digest,
        options: (args as StepArgs).options,
        startedAt: Date.now(),
        callsAtStart: this.calls,
        children: [],
        stateOps: [],
      };
      return ok({ replayed: false });
    }
    if (saved?.seq === seq && saved.entry) {
      this.record(saved.entry);
      addUsage(this.usage, saved.entry, this.prices);
      return answerOf(saved.entry);
    }
    return this.execute(`${seq}`, seq, kind, name, digest, args, (entry) => {
      this.record(entry);
      this.host.completed(seq, { entry });
    });
  }

  /** A call made inside the step being executed: effects run (or come from the checkpoint), commands refuse. */
  private inStep(kind: EntryKind, name: string, digest: string, args: Record<string, Json>): CallAnswer {
    const step = this.step!;
    if (!EFFECT_KINDS.has(kind)) {
      throw new NotSupported(`${kind === 'step' ? 'step' : kind} cannot be used inside step "${step.name}"`);
    }
    const childSeq = step.children.length;
    const saved = this.request.checkpoint;
    const held = saved?.seq === step.seq ? saved.children[childSeq] : undefined;
    if (held) {
      expectSame(held, { kind, name, argsDigest: digest }, `step "${step.name}" call #${childSeq}: checkpoint`);
      step.children.push(held);
      addUsage(this.usage, held, this.prices);
      return answerOf(held);
    }
    return this.execute(`${step.seq}.${childSeq}`, childSeq, kind, name, digest, args, (entry) => {
      step.children.push(entry);
      this.host.completed(step.seq, { child: entry });
    });
  }

  private execute(
    key: string,
    seq: number,
    kind: EntryKind,
    name: string,
    digest: string,
    args: Json,
    onDone: (entry: JournalEntry) => void,
  ): CallAnswer {
    if (kind.startsWith('llm.') || kind === 'agent.run') this.checkBudget(name, args as Record<string, Json>);
    const startedAt = Date.now();
    // Bridge events of new effects; replayed effects were reported by the execution that ran them.
    const callIndex = this.calls - 1;
    const isTool = kind === 'tool.call';
    const isAgent = kind === 'agent.run';
    this.events.push({ call: callIndex, name: isTool ? 'tool.call' : isAgent ? 'agent.start' : 'llm.request', data: { seq, kind, name } });
    const promise = this.host
      .effect({ kind: kind as EffectRequest['kind'], key, name, args })
      .then((result): CallAnswer => {
        if (this.stopped) return { status: 'async', promise: never };
        // What happened inside: each streamed chunk, each agent step.
        const value = result.ok ? (result.value as { chunks?: string[]; steps?: Array<{ tool_calls: Array<{ name: string }>; finish_reason: string }> }) : {};
        if (kind === 'llm.stream') value.chunks?.forEach((text, index) => this.events.push({ call: callIndex, name: 'llm.chunk', data: { seq, index, text } }));
        if (isAgent) value.steps?.forEach((step, index) =>
          this.events.push({
            call: callIndex,
            name: 'agent.step',
            data: { seq, index, tools: step.tool_calls.map((c) => c.name), finish_reason: step.finish_reason },
          }),
        );
        this.events.push({
          call: callIndex,
          name: isTool ? 'tool.result' : isAgent ? 'agent.finish' : 'llm.response',
          data: {
            seq,
            kind,
            name,
            durationMs: Date.now() - startedAt,
            ...(result.ok ? {} : { error: result.error.type }),
            ...(result.ok && result.usage ? { usage: result.usage as Json } : {}),
          },
        });
        const entry: JournalEntry = {
          seq,
          kind,
          name,
          argsDigest: digest,
          ...(result.ok ? { result: result.value } : { error: result.error }),
          startedAt,
          durationMs: Date.now() - startedAt,
          attempt: this.request.spell.attempt,
          ...(result.ok && result.usage ? { usage: result.usage } : {}),
        };
        try {
          if (result.ok) this.checkSize(`${kind} result`, result.value);
        } catch (error) {
          return this.fail(error);
        }
        addUsage(this.usage, entry, this.prices);
        onDone(entry);
        return answerOf(entry);
      });
    return { status: 'async', promise };
  }

  /** Refuses a model call once the run's budget is spent, or would be by the call's max_tokens. */
  private checkBudget(model: string, args: Record<string, Json>): void {
    const budget = this.request.budget;
    if (!budget) return;
    const projected = this.usage.total_tokens + ((args.max_tokens as number | undefined) ?? 0);
    if (budget.maxTokens !== undefined && (this.usage.total_tokens >= budget.maxTokens || projected > budget.maxTokens)) {
      throw new SpellBudgetExceeded(
        `${model}: the run has used ${this.usage.total_tokens} of its ${budget.maxTokens} tokens` +
          (projected > this.usage.total_tokens ? ` and this call may use ${projected - this.usage.total_tokens} more` : ''),
      );
    }
    if (budget.maxCost !== undefined && this.usage.cost >= budget.maxCost) {
      throw new SpellBudgetExceeded(`${model}: the run has spent $${this.usage.cost.toFixed(6)} of its $${budget.maxCost} budget`);
    }
  }

  private record(entry: JournalEntry): void {
    this.executed = entry;
    this.nowMs = entry.startedAt + entry.durationMs;
  }
}

export function applyStateOp(state: Map<string, Json>, op: StateOp): void {
  if (op.op === 'set') state.set(op.key, op.value);
  else state.delete(op.key);
}

function ok(value: Json): CallAnswer {
  return { status: 'ok', value };
}

function answerOf(entry: JournalEntry): CallAnswer {
  return entry.error ? { status: 'error', error: entry.error } : ok(entry.result ?? null);
}

function boundaryName(kind: EntryKind, args: Record<string, Json>): string {
  switch (kind) {
    case 'llm.generate':
    case 'llm.object':
    case 'llm.stream':
      return Array.isArray(args.model) ? (args.model as string[]).join('|') : (args.model as string);
    case 'sleep':
      return `${args.seconds as number}s`;
    default:
      return args.name as string;
  }
}

/** Raises SpellNondeterminism unless the recorded call is the one the script asks for now. */
function expectSame(held: JournalEntry, asked: { kind: string; name: string; argsDigest: string }, where: string): void {
  if (held.kind === asked.kind && held.name === asked.name && held.argsDigest === asked.argsDigest) return;
  throw new SpellNondeterminism(`${where} holds ${describe(held)} but the script asked for ${describe(asked)}`);
}

function describe(call: { kind: string; name: string; argsDigest: string }): string {
  return `${call.kind} "${call.name}" (args digest ${call.argsDigest.slice(0, 12)})`;
}

export function toErrorData(error: unknown): SpellErrorData {
  if (error instanceof SpellError) return error.toData();
  if (error instanceof Error) return { type: 'SpellHostError', message: error.message };
  return { type: 'SpellHostError', message: String(error) };
}
