/**
 * The engine-independent half of a spell run, inside the engine's thread: journaled
 * re-execution (DESIGN §2). Every bridge call from a script lands in `call()`; recorded
 * calls answer synchronously, the first new effect is handed to the host, and the run
 * stops at the next durable boundary after it.
 *
 * The journal is a tree of chains (`''` the main line, `3/1` branch 1 of the parallel call
 * at 3). A re-execution runs one target chain: it replays the main line to the parallel call
 * that leads to the target, enters that branch only, and so on down to the target.
 */
import {
  MAIN_CHAIN,
  branchChain,
  entryPath,
  pathTo,
  type BoundaryCall,
  type Json,
  type JournalEntry,
  type LogRecord,
  type SpellErrorData,
  type SpellEvent,
  type StateOp,
  type UsageTotals,
} from '../journal/types.ts';
import { FATAL } from '../contract/errors.ts';
import type { HistoryInfo, Next, RunOutcome } from '../contract/run.ts';
import { addUsage, emptyUsage, type ModelPrice } from '../contract/usage.ts';
import { BRIDGE } from '../bridge/registry.ts';
import type { BridgeKind, EffectRequest, EffectResult, PureRun } from '../bridge/kind.ts';
import { parseArgs } from '../bridge/validate.ts';
import { keyArgs } from '../bridge/pure.ts';
import type { StepArgs } from '../bridge/step.ts';
import { SpellError } from '../errors/index.ts';
import type { CallAnswer, RunRequest, RuntimeHost } from './protocol.ts';
import { RunRandom } from './random.ts';
import { cachedArgsDigest } from './digest-cache.ts';

type Outcome = { ok: true; value: Json } | { ok: false; error: SpellErrorData };

/** A boundary call an execution stopped at, as the script made it. */
interface PausedCall {
  kind: string;
  spec: BridgeKind;
  args: Record<string, Json>;
  seq: number;
  callIndex: number;
  resolve: (answer: CallAnswer) => void;
}

interface ActiveStep {
  seq: number;
  name: string;
  argsDigest: string;
  args: Json;
  options: StepArgs['options'];
  /** What this execution had reported when the step began: an escalated step reports nothing. */
  reported: { events: number; logs: number; stateOps: number };
  startedAt: number;
  callsAtStart: number;
  children: JournalEntry[];
  stateOps: StateOp[];
}

const never = new Promise<never>(() => {});
/** The kind an engine sends for a call whose one argument is a text key, after the call's own kind. */
const KEY_SUFFIX = ':key';

/** A local activity runs at most this much new work before it stops: the workflow task it extends stays short. */
const LOCAL_MAX_NEW = 100;
const LOCAL_BUDGET_MS = 200;
const NO_HISTORY: HistoryInfo = { events: 0, bytes: 0, suggested: false };

export class SpellRuntime implements PureRun {
  readonly state = new Map<string, Json>();
  /** Deterministic clock: the run start, then the end of the last journaled call passed. */
  nowMs: number;
  /** The chain being executed, and the index of its next durable call. */
  private chain = MAIN_CHAIN;
  private seq = 0;
  /** The parallel calls on the way to the target, and how many were entered. */
  private readonly route: ReturnType<typeof pathTo>;
  private entered = 0;
  /** Bridge calls made in the target chain (ancestors' calls were reported when they ran). */
  private calls = 0;
  private callIndex = 0;
  /** Entries this execution added to the target chain. */
  private newEntries: JournalEntry[] = [];
  /** This execution ran its one new effect: the script runs on to the next boundary. */
  private effectDone = false;
  /** New pieces of work this execution ran, and when it began (a local activity's batch). */
  private newWork = 0;
  private startedMs = performance.now();
  private step: ActiveStep | undefined;
  private events: SpellEvent[] = [];
  private logs: LogRecord[] = [];
  private stateOps: StateOp[] = [];
  private stopped: RunOutcome | undefined;
  /** Where the execution stops once the effects under way are answered (see stop). */
  private stopping: Next | undefined;
  /** The boundary call the script waits on since this execution stopped there: the next execution may take it up (see resume). */
  private paused: PausedCall | undefined;
  /** Effects handed to the host and not answered yet. */
  private inFlight = 0;
  /**
   * The script did what a kept run could not take up (JavaScript going on after the execution
   * stopped: a call that must wait, a return, a second boundary): the next execution re-executes
   * it from the top, which knows what it would have done.
   */
  private unresumable = false;
  /** Calls this execution answered from the journal (what re-executing from the top costs). */
  replayed = 0;
  /** runIdentity of the request, once asked. */
  private identity: string | undefined;
  /** The run's random sequence: engines draw from it and reseed it (math.randomseed, rand.seed). */
  readonly rng: RunRandom;
  /** Model usage of the journaled calls passed so far (what spell.usage() says). */
  private readonly usageSeen: UsageTotals = emptyUsage();
  /** Model usage of the effects this execution ran (for the budget). */
  private usageNew: UsageTotals = emptyUsage();
  private readonly prices: Record<string, ModelPrice>;
  private resolveStop!: (outcome: RunOutcome) => void;
  /** Settles when the script reaches a point where this execution must end. */
  stoppedAt: Promise<RunOutcome>;
  private toolDepth = 0;

  private request: RunRequest;
  private host: RuntimeHost;

  constructor(request: RunRequest, host: RuntimeHost) {
    this.request = request;
    this.host = host;
    this.nowMs = request.spell.startedAtMs;
    this.rng = new RunRandom(request.spell.seed);
    this.prices = request.prices;
    this.route = pathTo(request.target);
    for (const [key, value] of Object.entries(request.initialState ?? {})) this.state.set(key, value);
    if (request.carriedUsage) Object.assign(this.usageSeen, request.carriedUsage);
    this.stoppedAt = new Promise((resolve) => (this.resolveStop = resolve));
  }

  get isStopped(): boolean {
    return this.stopped !== undefined;
  }

  /**
   * The execution stopped at a boundary with nothing of the script left running: the run's
   * next execution may take it up where it stopped (resume) instead of re-executing it.
   */
  get resumable(): boolean {
    return this.paused !== undefined && !this.unresumable && this.inFlight === 0 && this.step === undefined;
  }

  /**
   * Takes up the run where the last execution stopped, as the execution `request` asks for:
   * the script is not run again from the top, the boundary call it waits on is answered as a
   * re-execution would answer it when it got there (from the journal, or as new work). Refused
   * (false, nothing changed) unless `request` is the same run's next execution and its journal
   * holds what the last one recorded: then the run is re-executed from the top, as always.
   */
  resume(request: RunRequest, host: RuntimeHost): boolean {
    const paused = this.paused;
    if (!paused || !this.resumable || !this.continues(request, paused.seq)) return false;
    this.request = request;
    this.host = host;
    this.paused = undefined;
    this.newEntries = [];
    this.replayed = 0;
    this.effectDone = false;
    this.newWork = 0;
    this.startedMs = performance.now();
    this.events = [];
    this.logs = [];
    this.stateOps = [];
    this.usageNew = emptyUsage();
    this.stopped = undefined;
    this.stoppedAt = new Promise((resolve) => (this.resolveStop = resolve));
    // The call again, as the script made it: same place in the chain, same call index (the calls
    // counted since, pure ones while the last execution was stopping, stay counted).
    this.seq = paused.seq;
    this.callIndex = paused.callIndex;
    let answer: CallAnswer;
    try {
      answer = this.boundary(paused.kind, paused.spec, paused.args);
    } catch (error) {
      answer = this.fail(error);
    }
    // Settled with a final answer only: an engine drops what settles while the run is stopped again.
    const settle = (next: CallAnswer): void => void (next.status === 'async' ? next.promise.then(settle) : paused.resolve(next));
    settle(answer);
    return true;
  }

  /** `request` is this run's next execution of the same chain, and its journal holds what this execution recorded. */
  private continues(request: RunRequest, seq: number): boolean {
    const last = this.request;
    // spell.attempt was given to the script when it started, with the rest of the spell.
    this.identity ??= runIdentity(last);
    if (request.target !== last.target || runIdentity(request) !== this.identity) return false;
    const chain = request.chains[request.target] ?? [];
    // The journal only grows: what the last execution was given is still there, and what it recorded must follow.
    if (chain.length < seq || chain.length < (last.chains[last.target]?.length ?? 0)) return false;
    return this.newEntries.every((mine) => {
      const held = chain[mine.seq];
      return (
        held !== undefined &&
        held.kind === mine.kind &&
        held.name === mine.name &&
        held.argsDigest === mine.argsDigest &&
        held.startedAt === mine.startedAt &&
        held.durationMs === mine.durationMs &&
        held.attempt === mine.attempt &&
        (held.error === undefined) === (mine.error === undefined)
      );
    });
  }

  /** True while a step's fn runs (between a `step` call answered `{replayed: false}` and `endStep`). */
  get stepRunning(): boolean {
    return this.step !== undefined;
  }

  private get inTarget(): boolean {
    return this.chain === this.request.target;
  }

  /** Next number in [0, 1) of the run's seeded sequence: the same in every engine. */
  random(): number {
    return this.rng.next();
  }

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

  /**
   * A host call as an engine sends it: the ends of a step or branch, or a bridge call, with its
   * arguments as JSON (empty: none) — or, for `<kind>:key` (`state.get`, `state.delete`), a
   * text key as it is, which skips JSON on both sides.
   */
  hostCall(kind: string, payload: string): CallAnswer {
    if (this.stopped) this.unresumable = true;
    if (kind.endsWith(KEY_SUFFIX)) return this.callKey(kind.slice(0, -KEY_SUFFIX.length), payload);
    const args = payload === '' ? null : (JSON.parse(payload) as Json);
    if (kind === 'step.end') return this.endStep(args as Outcome);
    if (kind === 'parallel.end') return this.endBranch(args as Outcome);
    return this.call(kind, args, payload.length);
  }

  /**
   * One bridge call from the script. `args` is plain data already converted from the engine;
   * `jsonLength` is the length of its JSON when the engine already made it (the output limit
   * is checked on it instead of encoding `args` again), or a bound under the limit; `valid`:
   * `args` is known to pass the kind's schema (a key call, see callKey).
   */
  private call(kind: string, args: Json, jsonLength?: number, valid = false): CallAnswer {
    if (this.stopped) return { status: 'async', promise: never };
    // While effects under way finish (see stop), the script goes on as a re-execution would:
    // pure calls answer; anything that would take a place in the journal waits.
    const spec = BRIDGE.get(kind);
    if (this.stopping && (spec?.class !== 'pure' || spec.recorded)) {
      this.unresumable = true;
      return { status: 'async', promise: never };
    }
    this.callIndex = this.calls++;
    try {
      this.checkSize(kind, args, jsonLength);
      if (!spec) throw new SpellError('NotSupported', `${kind} is not supported`);
      const parsed = (valid ? args : parseArgs(spec.label?.(args as Record<string, unknown>) ?? kind, spec.args, args)) as Record<string, Json>;
      if (this.toolDepth > 0 && !spec.readOnly) {
        throw new SpellError('NotSupported', `${kind} cannot be used inside a tool defined with tool.define (tools may only read state)`);
      }
      if (spec.class === 'pure') return spec.recorded ? this.recorded(kind, spec, parsed) : ok(spec.pure!(parsed, this));
      return this.boundary(kind, spec, parsed);
    } catch (error) {
      return this.fail(error);
    }
  }

  /** A call whose one argument is a key the engine passed as text (`state.get`, `state.delete`). */
  private callKey(kind: string, key: string): CallAnswer {
    // Its JSON is at most 6 characters a character of the key plus {"key":""}: encoded only if that could pass the limit.
    const most = key.length * 6 + 10;
    // A non-empty text key is all the key kinds' schema asks for: zod is not asked again.
    const valid = key !== '' && BRIDGE.get(kind)?.args === keyArgs;
    return this.call(kind, { key }, most <= this.request.limits.outputLimitBytes ? most : undefined, valid);
  }

  // PureRun: what pure calls reach.
  changeState(op: StateOp): void {
    this.checkStateSize(op);
    applyStateOp(this.state, op);
    this.step?.stateOps.push(op);
    if (this.reporting) this.stateOps.push(op);
  }

  emit(name: string, data: Json): void {
    if (this.reporting) this.events.push({ call: this.callIndex, name, data });
  }

  log(level: LogRecord['level'], message: string, fields?: Json): void {
    if (this.reporting) this.logs.push({ call: this.callIndex, level, message, ...(fields !== undefined ? { fields } : {}) });
  }

  usage(): UsageTotals {
    return this.usageSeen;
  }

  history(): HistoryInfo {
    return this.request.history ?? NO_HISTORY;
  }

  /** Side effects of the current call are new (not reported by an earlier execution). */
  private get reporting(): boolean {
    return this.inTarget && this.callIndex >= this.request.reportFromCall;
  }

  /** Ends the step begun by a `step` call whose answer was `{replayed: false}`; `outcome` is fn's result or error. */
  endStep(outcome: Outcome): CallAnswer {
    const step = this.step;
    if (!step || this.stopped) return { status: 'async', promise: never };
    this.step = undefined;
    const callsInside = this.calls - step.callsAtStart;
    try {
      if (outcome.ok) this.checkSize('step result', outcome.value);
    } catch (error) {
      return this.fail(error);
    }
    if (!outcome.ok && FATAL.includes(outcome.error.type as never)) {
      this.fatal(outcome.error);
      return { status: 'async', promise: never };
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
    this.effectDone = true;
    return outcome.ok ? ok(outcome.value) : { status: 'error', error: outcome.error };
  }

  /** A branch function of a parallel call returned or raised: in the target chain, that ends this execution. */
  endBranch(outcome: Outcome): CallAnswer {
    if (this.stopped) return { status: 'async', promise: never };
    if (this.stopping) {
      this.unresumable = true;
      return { status: 'async', promise: never };
    }
    try {
      if (!this.inTarget) throw new SpellError('SpellNondeterminism', `branch ${this.chain}: ended before reaching ${this.request.target}`);
      if (outcome.ok) this.checkSize('branch result', outcome.value);
      this.expectNoMore('the branch returned');
    } catch (error) {
      return this.fail(error);
    }
    this.stop(outcome.ok ? { type: 'done', result: outcome.value } : { type: 'failed', error: outcome.error });
    return { status: 'async', promise: never };
  }

  /** The script returned (or raised) at top level. */
  finish(outcome: Outcome): void {
    if (this.stopped) return;
    // It returned while the execution was stopping at a boundary it had reached: the boundary
    // is the outcome, and the next execution re-executes the script (which returns again).
    if (this.stopping) {
      this.unresumable = true;
      return;
    }
    if (!outcome.ok) {
      this.stop({ type: 'failed', error: outcome.error });
      return;
    }
    try {
      if (!this.inTarget) throw new SpellError('SpellNondeterminism', `the script returned before reaching branch ${this.request.target}`);
      this.checkSize('result', outcome.value);
      this.expectNoMore('the script returned');
    } catch (error) {
      this.fail(error);
      return;
    }
    this.stop({ type: 'done', result: outcome.value });
  }

  /** A limit or nondeterminism: ends the run whatever the script does next. */
  fatal(error: SpellErrorData): void {
    this.stop({ type: 'failed', error });
  }

  private expectNoMore(what: string): void {
    const held = this.request.chains[this.chain]?.[this.seq];
    if (held) {
      throw new SpellError('SpellNondeterminism', `call #${entryPath(this.chain, held.seq)}: history holds ${describe(held)} but ${what} without making it`);
    }
  }

  private stop(next: Next): void {
    if (this.stopped) return;
    // Effects under way (JavaScript awaiting several calls at once, or not awaiting one) are
    // journaled first: the next execution finds them in the journal instead of running them
    // again, and a run that returns has journaled every effect it made.
    if ((next.type === 'boundary' || next.type === 'done') && this.inFlight > 0) {
      this.stopping ??= next;
      return;
    }
    this.stopping = undefined;
    this.stopped = { entries: this.newEntries, events: this.events, logs: this.logs, stateOps: this.stateOps, calls: this.calls, next };
    this.resolveStop(this.stopped);
  }

  private fail(error: unknown): CallAnswer {
    const data = toErrorData(error);
    if (FATAL.includes(data.type as never)) {
      this.fatal(data);
      return { status: 'async', promise: never };
    }
    return { status: 'error', error: data };
  }

  /** JSON bytes of each state value, and their total: the run's state is bounded as a whole. */
  private stateSizes: Map<string, number> | undefined;
  private stateBytes = 0;

  private checkStateSize(op: StateOp): void {
    if (!this.stateSizes) {
      this.stateSizes = new Map([...this.state].map(([key, value]) => [key, JSON.stringify(value).length + key.length]));
      for (const size of this.stateSizes.values()) this.stateBytes += size;
    }
    const size = op.op === 'set' ? JSON.stringify(op.value).length + op.key.length : 0;
    const total = this.stateBytes - (this.stateSizes.get(op.key) ?? 0) + size;
    if (total > this.request.limits.stateLimitBytes) {
      throw new SpellError('SpellOutputLimit', `state.set "${op.key}": the run's state would hold ${total} bytes of JSON, over its limit of ${this.request.limits.stateLimitBytes} bytes`);
    }
    this.stateBytes = total;
    if (op.op === 'set') this.stateSizes.set(op.key, size);
    else this.stateSizes.delete(op.key);
  }

  private checkSize(what: string, value: unknown, jsonLength?: number): void {
    if (value === undefined) return;
    const size = jsonLength ?? JSON.stringify(value)?.length ?? 0;
    if (size > this.request.limits.outputLimitBytes) {
      throw new SpellError(
        'SpellOutputLimit',
        `${what}: ${size} bytes of JSON is over the output limit of ${this.request.limits.outputLimitBytes} bytes`,
      );
    }
  }

  /** The recorded entry at the next index of the current chain, checked against what the script asks for. */
  private held(asked: { kind: string; name: string; argsDigest: string }): JournalEntry | undefined {
    const held = this.request.chains[this.chain]?.[this.seq];
    if (held) expectSame(held, asked, `call #${entryPath(this.chain, this.seq)}: history`);
    return held;
  }

  /** A pure call whose answer depends on when it runs (spell.history): journaled, so replays see the same answer. */
  private recorded(kind: string, spec: BridgeKind, args: Record<string, Json>): CallAnswer {
    if (this.step) throw new SpellError('NotSupported', `${kind} cannot be used inside step "${this.step.name}"`);
    const asked = { kind, name: kind, argsDigest: cachedArgsDigest(args) };
    // spell.patched(id): a journal recorded before the patch holds something else here — the
    // old code path — so the call answers false and takes no place in it (Temporal's patched()).
    const there = this.request.chains[this.chain]?.[this.seq];
    if (kind === 'spell.patched' && there && !(there.kind === kind && there.argsDigest === asked.argsDigest)) return ok(false);
    const held = this.held(asked);
    const seq = this.seq++;
    if (held) {
      this.replayed++;
      return answerOf(held);
    }
    if (!this.inTarget) throw this.offRoute(kind, seq);
    const entry: JournalEntry = { seq, ...asked, result: spec.pure!(args, this), startedAt: this.nowMs, durationMs: 0, attempt: this.request.spell.attempt };
    this.record(entry);
    return answerOf(entry);
  }

  /** A call that crosses a durable boundary: replayed from the journal, executed, or the place to stop. */
  private boundary(kind: string, spec: BridgeKind, args: Record<string, Json>): CallAnswer {
    if (spec.model && args.model === undefined) args = { ...args, model: this.request.defaultModel };
    const name = spec.name ? spec.name(args) : (args.name as string);
    const digest = cachedArgsDigest(args);
    if (this.step) return this.inStep(kind, name, digest, args);

    const held = this.held({ kind, name, argsDigest: digest });
    const seq = this.seq++;
    if (held) return this.replay(held);
    if (!this.inTarget) return this.enterBranch(kind, seq);

    const path = entryPath(this.chain, seq);
    const call: BoundaryCall = { seq, kind, name, argsDigest: digest, args };
    const stopHere = (): CallAnswer => {
      // The workflow needs a step's options and a command's arguments; an effect's (a prompt,
      // say) would only add bytes to history: the activity that runs it reads them again.
      this.stop({ type: 'boundary', call: spec.class === 'effect' && kind !== 'step' ? { ...call, args: null } : call });
      return { status: 'async', promise: this.pause(kind, spec, args, seq) };
    };
    // Commands belong to the workflow.
    if (spec.class === 'command' && !spec.host) return stopHere();
    // A regular activity runs one new piece of work; a local one runs quick work, several pieces.
    const quick = this.quick(kind, spec, args);
    const local = this.request.local !== undefined;
    const mayRun = local ? quick && this.newWork < LOCAL_MAX_NEW && performance.now() - this.startedMs < LOCAL_BUDGET_MS : !this.effectDone;
    if (!mayRun) {
      if (spec.class === 'command') call.prepare = true;
      if (quick) call.quick = true;
      return stopHere();
    }
    if (spec.class === 'command') return this.prepareCommand(call, spec);
    if (kind === 'step') {
      const options = (args as StepArgs).options;
      // A step with its own timeout or retries runs in an activity scheduled with them.
      if ((options?.timeout !== undefined || options?.retry !== undefined) && this.request.scheduled !== path) return stopHere();
      this.step = {
        seq,
        name,
        argsDigest: digest,
        args,
        options,
        reported: { events: this.events.length, logs: this.logs.length, stateOps: this.stateOps.length },
        startedAt: Date.now(),
        callsAtStart: this.calls,
        children: [],
        stateOps: [],
      };
      this.host.started({ seq, kind, name, argsDigest: digest });
      return ok({ replayed: false });
    }
    const saved = this.request.checkpoint;
    if (saved?.seq === seq && saved.entry) {
      expectSame(saved.entry, call, `call #${path}: checkpoint`);
      this.record(saved.entry);
      this.effectDone = true;
      this.addUsage(saved.entry);
      return answerOf(saved.entry);
    }
    return this.execute(path, seq, kind, spec, name, digest, args, (entry) => {
      this.record(entry);
      this.host.completed(seq, { entry });
    });
  }

  /** A journaled call, answered from the journal. */
  private replay(held: JournalEntry): CallAnswer {
    this.replayed++;
    this.nowMs = held.startedAt + held.durationMs;
    addUsage(this.usageSeen, held, this.prices);
    for (const op of held.stateOps ?? []) applyStateOp(this.state, op);
    if (held.kind === 'step') {
      this.calls += held.calls ?? 0;
      return held.error ? { status: 'error', error: held.error } : ok({ replayed: true, value: held.result ?? null });
    }
    if (held.kind === 'parallel') return held.error ? { status: 'error', error: held.error } : ok({ replayed: true, value: held.result ?? [] });
    return answerOf(held);
  }

  /** Quick work may run in a local activity: a step without its own options (it escalates if it meets slow work), a quick effect. */
  private quick(kind: string, spec: BridgeKind, args: Record<string, Json>): boolean {
    if (kind === 'step') return (args as StepArgs).options === undefined;
    return spec.quick?.(args, this.request.local?.quickTools ?? []) ?? false;
  }

  /**
   * A step in a local activity met work that is not quick: the step starts over in a regular
   * activity. Nothing of it is kept or reported here (no effect in it has run that was not quick).
   */
  private escalate(step: ActiveStep): CallAnswer {
    this.step = undefined;
    this.events.length = step.reported.events;
    this.logs.length = step.reported.logs;
    this.stateOps.length = step.reported.stateOps;
    this.calls = step.callsAtStart - 1;
    this.stop({ type: 'boundary', call: { seq: step.seq, kind: 'step', name: step.name, argsDigest: step.argsDigest, args: step.args } });
    return { status: 'async', promise: never };
  }

  /** Replaying an ancestor chain, past its journal: this must be the parallel call that leads to the target. */
  private enterBranch(kind: string, seq: number): CallAnswer {
    const next = this.route[this.entered];
    if (kind !== 'parallel' || !next || next.chain !== this.chain || next.seq !== seq) throw this.offRoute(kind, seq);
    this.entered++;
    this.chain = branchChain(this.chain, seq, next.branch);
    this.seq = 0;
    if (this.inTarget) this.calls = 0;
    return ok({ branch: next.branch });
  }

  private offRoute(kind: string, seq: number): SpellError {
    return new SpellError(
      'SpellNondeterminism',
      `call #${entryPath(this.chain, seq)}: history holds the parallel call that leads to branch ${this.request.target}, but the script asked for ${kind}`,
    );
  }

  /** A command that needs the worker first (spell.spawn reads its file): its failure is journaled and raised in the script. */
  private prepareCommand(call: BoundaryCall, spec: BridgeKind): CallAnswer {
    this.effectDone = true;
    const startedAt = Date.now();
    const callIndex = this.callIndex;
    const complete = (result: EffectResult): CallAnswer | Promise<CallAnswer> => {
      if (this.stopped) return { status: 'async', promise: never };
      if (result.ok) {
        this.stop({ type: 'boundary', call: { ...call, args: { ...(call.args as Record<string, Json>), resolved: result.value } } });
        return this.pause(call.kind, spec, call.args as Record<string, Json>, call.seq, callIndex);
      }
      const entry: JournalEntry = {
        seq: call.seq,
        kind: call.kind,
        name: call.name,
        argsDigest: call.argsDigest,
        error: result.error,
        startedAt,
        durationMs: Date.now() - startedAt,
        attempt: this.request.spell.attempt,
      };
      this.record(entry);
      return answerOf(entry);
    };
    const promise = this.effect({ kind: call.kind, key: entryPath(this.chain, call.seq), name: call.name, args: call.args }).then((result) =>
      this.afterEffect(complete(result)),
    );
    return { status: 'async', promise };
  }

  /** A call made inside the step being executed: effects run (or come from the checkpoint), commands refuse. */
  private inStep(kind: string, name: string, digest: string, args: Record<string, Json>): CallAnswer {
    const step = this.step!;
    const spec = BRIDGE.get(kind)!;
    if (spec.class !== 'effect' || kind === 'step') {
      throw new SpellError('NotSupported', `${kind} cannot be used inside step "${step.name}"`);
    }
    if (this.request.local && !this.quick(kind, spec, args)) return this.escalate(step);
    const childSeq = step.children.length;
    const saved = this.request.checkpoint;
    const held = saved?.seq === step.seq ? saved.children[childSeq] : undefined;
    if (held) {
      expectSame(held, { kind, name, argsDigest: digest }, `step "${step.name}" call #${childSeq}: checkpoint`);
      step.children.push(held);
      this.addUsage(held);
      return answerOf(held);
    }
    return this.execute(`${entryPath(this.chain, step.seq)}.${childSeq}`, childSeq, kind, spec, name, digest, args, (entry) => {
      step.children.push(entry);
      this.host.completed(step.seq, { child: entry });
    });
  }

  private execute(
    key: string,
    seq: number,
    kind: string,
    spec: BridgeKind,
    name: string,
    digest: string,
    args: Json,
    onDone: (entry: JournalEntry) => void,
  ): CallAnswer {
    if (spec.model) this.checkBudget(name, args as Record<string, Json>);
    if (!this.step) {
      this.effectDone = true;
      this.host.started({ seq, kind, name, argsDigest: digest });
    }
    const startedAt = Date.now();
    // The entry records its call index: the bridge's events around the effect are derived from it (journal/events.ts).
    const callIndex = this.callIndex;
    const complete = (result: EffectResult): CallAnswer => {
      if (this.stopped) return { status: 'async', promise: never };
      // A limit the host hit (a result over the output limit) ends the run, as the script's own would.
      if (!result.ok && FATAL.includes(result.error.type as never)) {
        this.fatal(result.error);
        return { status: 'async', promise: never };
      }
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
        call: callIndex,
      };
      try {
        if (result.ok) this.checkSize(`${kind} result`, result.value);
      } catch (error) {
        return this.fail(error);
      }
      this.addUsage(entry);
      onDone(entry);
      return answerOf(entry);
    };
    const promise = this.effect({ kind, key, name, args } satisfies EffectRequest).then((result) => this.afterEffect(complete(result)));
    return { status: 'async', promise };
  }

  /**
   * An effect was answered (and journaled): the execution stops if it was waiting for that, once
   * the engine has handed the answer to the script (a kept run goes on from there).
   */
  private afterEffect<T>(answer: T): T {
    if (this.stopping && this.inFlight === 0) setImmediate(() => this.stopping && this.stop(this.stopping));
    return answer;
  }

  /** Hands an effect to the host, counting it until it is answered. */
  private effect(request: EffectRequest): Promise<EffectResult> {
    this.inFlight++;
    return this.host.effect(request).finally(() => this.inFlight--);
  }

  /** The script waits on the boundary call it stopped at, until the next execution takes the run up (resume) or the engine is disposed. */
  private pause(kind: string, spec: BridgeKind, args: Record<string, Json>, seq: number, callIndex = this.callIndex): Promise<CallAnswer> {
    // A second boundary (JavaScript: a command's preparation ended after another call paused): the first would never be answered.
    if (this.paused) this.unresumable = true;
    return new Promise((resolve) => (this.paused = { kind, spec, args, seq, callIndex, resolve }));
  }

  private addUsage(entry: JournalEntry): void {
    addUsage(this.usageSeen, entry, this.prices);
    addUsage(this.usageNew, entry, this.prices);
  }

  /** Refuses a model call once the run's budget is spent, or would be by the call's max_tokens. */
  private checkBudget(model: string, args: Record<string, Json>): void {
    const budget = this.request.budget;
    if (!budget) return;
    const spent = this.request.spent;
    const tokens = spent ? spent.tokens + this.usageNew.total_tokens : this.usageSeen.total_tokens;
    const cost = spent ? spent.cost + this.usageNew.cost : this.usageSeen.cost;
    const projected = tokens + ((args.max_tokens as number | undefined) ?? 0);
    if (budget.maxTokens !== undefined && (tokens >= budget.maxTokens || projected > budget.maxTokens)) {
      throw new SpellError(
        'SpellBudgetExceeded',
        `${model}: the run has used ${tokens} of its ${budget.maxTokens} tokens` + (projected > tokens ? ` and this call may use ${projected - tokens} more` : ''),
      );
    }
    if (budget.maxCost !== undefined && cost >= budget.maxCost) {
      throw new SpellError('SpellBudgetExceeded', `${model}: the run has spent $${cost.toFixed(6)} of its $${budget.maxCost} budget`);
    }
  }

  private record(entry: JournalEntry): void {
    this.newWork++;
    this.newEntries.push(entry);
    this.nowMs = entry.startedAt + entry.durationMs;
  }
}

/** What an execution's script and runtime are made from, but for its journal and the reports it owes. */
function runIdentity(request: RunRequest): string {
  const { engine, source, fileName, input, spell, defaultModel, limits, prices, initialState, carriedUsage, budget } = request;
  return JSON.stringify([engine, source, fileName, input, spell, defaultModel, limits, prices, initialState, carriedUsage, budget]);
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

/** Raises SpellNondeterminism unless the recorded call is the one the script asks for now. */
function expectSame(held: JournalEntry, asked: { kind: string; name: string; argsDigest: string }, where: string): void {
  if (held.kind === asked.kind && held.name === asked.name && held.argsDigest === asked.argsDigest) return;
  throw new SpellError('SpellNondeterminism', `${where} holds ${describe(held)} but the script asked for ${describe(asked)}`);
}

function describe(call: { kind: string; name: string; argsDigest: string }): string {
  return `${call.kind} "${call.name}" (args digest ${call.argsDigest.slice(0, 12)})`;
}

export function toErrorData(error: unknown): SpellErrorData {
  if (error instanceof SpellError) return error.toData();
  if (error instanceof Error) return { type: 'SpellHostError', message: error.message };
  return { type: 'SpellHostError', message: String(error) };
}
