/**
 * The Tengo engine: the real Tengo VM (github.com/d5/tengo/v2) with a small Go host
 * (./host), compiled to WebAssembly with GOOS=js (scripts/build-tengo.sh). The VM runs
 * in a goroutine: a recorded bridge call returns synchronously, an awaited effect parks
 * the goroutine, which hands control back here
 * until the answer is delivered. There is no preemption inside the VM: the engine runs
 * in a worker thread that the pool terminates at the time limit. Each run gets a fresh VM;
 * the Go program itself is reused from run to run while it is healthy.
 */
import { readFileSync } from 'node:fs';
import type { Json, SpellErrorData } from '../../journal/types.ts';
import type { Engine, EngineFactory } from '../engine.ts';
import type { CallAnswer, EffectResult, RunRequest } from '../../runtime/protocol.ts';
import type { SpellRuntime } from '../../runtime/runtime.ts';
import { answerError, encodeAnswer } from '../answer.ts';
import { kindAt, textAt } from '../memory-text.ts';
import { TENGO_WASM, WebAssemblyApi as WebAssembly, type WasmInstance, type WasmMemory, type WasmModule } from './wasm.ts';
import './wasm_exec.js';

type Outcome = { ok: true; value: Json } | { ok: false; error: SpellErrorData };

/** Go's JavaScript glue (wasm_exec.js, from the Go toolchain that built tengo.wasm). */
interface GoRuntime {
  exited: boolean;
  _resume(): void;
  _scheduledTimeouts: Map<number, ReturnType<typeof setTimeout>>;
  argv: string[];
  env: Record<string, string>;
  exit: (code: number) => void;
  importObject: { gojs: Record<string, (sp: number) => void>; llmspell?: RunImports };
  run(instance: WasmInstance): Promise<void>;
}
declare const Go: new () => GoRuntime;

/** The host's side of a run that Go imports as WebAssembly functions (host/host.go): numbers only. */
interface RunImports {
  /** Writes the run's texts at `ptr` if they fit in `capacity` bytes; returns their length. */
  request(ptr: number, capacity: number): number;
  /** A bridge call: the request (kind, NUL, payload) is at `ptr` in Go's memory; the answer goes there too. */
  call(ptr: number, length: number, capacity: number): number;
  now(): number;
  random(): number;
  /** Reseeds the run's random sequence (rand.seed). */
  reseed(seed: bigint): void;
  /** The run's outcome, as JSON at `ptr`. */
  done(ptr: number, length: number): void;
}

/**
 * The Go host's entry points for a run and its effects, WebAssembly exports (host/exports.go):
 * each hands the work to the run's goroutine, which runs when Go is resumed.
 */
interface TengoExports {
  /** Asks for a run: the numbers are arguments, the texts Go asks for (RunImports.request); 1 if a run is still in progress. */
  llmspell_run(attempt: number, outputLimitBytes: number, memoryLimitBytes: number, maxAllocs: number): number;
  /** The answer to the VM's awaited work is ready; it reads it as it reads a host call's (RunImports.call, length -1). */
  llmspell_deliver(): void;
}

/** What the Go host (host/main.go) puts on the object it finds at globalThis.__llmspellTengo. */
interface TengoApi {
  /** Sets the next run's API up (the prelude's setup) while the host is idle; a run without one sets it up itself. */
  prepare(): void;
  callTool(name: string, args: string): string;
  cancel(): void;
  exit(): void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What Go printed (a crash report), kept for the error message; Go writes through the fs shim. */
let goOutput = '';
const shim = (globalThis as unknown as { fs: { writeSync(fd: number, buf: Uint8Array): number } }).fs;
shim.writeSync = (_fd, buf) => {
  goOutput = (goOutput + decoder.decode(buf)).slice(-4096);
  return buf.length;
};

class MemoryLimitExceeded extends Error {}

/**
 * One instance of the Go program: it serves one run at a time and, once a run is over
 * (cancelled if it stopped at a boundary), the next, so a run never pays Go's start-up.
 */
class GoInstance {
  readonly api: TengoApi;
  readonly exports: TengoExports;
  readonly memory: WasmMemory;
  /** WebAssembly memory once Go has started: a run's memory limit is on top of it. */
  readonly baseBytes: number;
  /** The hard limit for the run in progress, checked whenever Go grows its memory. */
  limitBytes = Number.POSITIVE_INFINITY;
  dead = false;
  /** Called when the program ends on its own (a crash): the run in progress fails. */
  onCrash: ((error: Error) => void) | undefined;
  /** The run in progress's side of Go's imports. */
  run: RunImports | undefined;
  private readonly go: GoRuntime;
  private view: Buffer | undefined;

  constructor(go: GoRuntime, api: TengoApi, exports: TengoExports, memory: WasmMemory) {
    this.go = go;
    this.api = api;
    this.exports = exports;
    this.memory = memory;
    this.baseBytes = memory.buffer.byteLength;
    go.exit = (code) => {
      this.dead = true;
      if (code !== 0) this.onCrash?.(new Error(`the Tengo engine stopped (exit code ${code}): ${goOutput.trim()}`));
    };
  }

  /** Go's memory as a Buffer (a new one after the memory grew). */
  bytes(): Buffer {
    if (this.view?.buffer !== this.memory.buffer) this.view = Buffer.from(this.memory.buffer);
    return this.view;
  }

  /** Runs Go's goroutines until they all wait: the work an export handed over is done or awaits. */
  resume(): void {
    this.go._resume();
  }

  /** Ends the Go program. */
  exit(): void {
    if (!this.dead) {
      try {
        this.api.exit();
      } catch {
        // It was already broken: nothing left to stop.
      }
    }
    this.dead = true;
    for (const timeout of this.go._scheduledTimeouts.values()) clearTimeout(timeout);
  }
}

class TengoEngine implements Engine {
  private runtime: SpellRuntime | undefined;
  private finished: ((outcome: Outcome) => void) | undefined;
  private nextId = 0;
  private readonly instance: GoInstance;
  private readonly release: (instance: GoInstance) => void;

  constructor(instance: GoInstance, release: (instance: GoInstance) => void) {
    this.instance = instance;
    this.release = release;
    instance.onCrash = (error) => this.fail(error);
  }

  run(request: RunRequest, runtime: SpellRuntime): Promise<void> {
    this.runtime = runtime;
    // NUL ends each text but the source, the only one that might hold one.
    const texts = `${request.fileName}\0${JSON.stringify(request.input ?? null)}\0${request.spell.id}\0${request.source}`;
    this.instance.run = {
      request: (ptr, capacity) => {
        const length = Buffer.byteLength(texts);
        if (length <= capacity) this.instance.bytes().write(texts, ptr, length, 'utf8');
        return length;
      },
      call: (ptr, length, capacity) => this.call(ptr, length, capacity),
      now: () => runtime.nowMs,
      random: () => runtime.random(),
      reseed: (seed) => runtime.rng.reseed(seed),
      // After a cancel (see dispose) nothing waits for the outcome.
      done: (ptr, length) => this.finished?.(JSON.parse(textAt(this.instance.bytes(), ptr, ptr + length)) as Outcome),
    };
    this.instance.limitBytes = this.instance.baseBytes + request.limits.memoryLimitBytes;
    const memoryLimitBytes = request.limits.memoryLimitBytes;
    return new Promise((resolve) => {
      this.finished = (outcome) => {
        this.finished = undefined;
        // A runtime error cannot be caught in Tengo: inside a step it fails the step (which
        // may then be retried), and the run.
        if (!outcome.ok && runtime.stepRunning) runtime.endStep(outcome);
        runtime.finish(outcome);
        resolve();
      };
      this.enter(() => {
        // Tengo counts every object it creates, integer results included.
        const busy = this.instance.exports.llmspell_run(request.spell.attempt, request.limits.outputLimitBytes, memoryLimitBytes, Math.floor(memoryLimitBytes / 8));
        if (busy) throw new Error('the Tengo engine was given a run while another was in progress');
        this.instance.resume();
      });
    });
  }

  /** Calls into Go; a limit hit or a crash inside ends the run. */
  private enter<T>(fn: () => T): T | undefined {
    if (this.instance.dead) {
      this.fail(new Error(`the Tengo engine stopped: ${goOutput.trim()}`));
      return undefined;
    }
    try {
      return fn();
    } catch (error) {
      this.instance.dead = true;
      this.fail(error);
      return undefined;
    }
  }

  private fail(error: unknown): void {
    this.finished?.({
      ok: false,
      error:
        error instanceof MemoryLimitExceeded
          ? { type: 'SpellMemoryLimit', message: error.message }
          : { type: 'SpellHostError', message: error instanceof Error ? error.message : String(error) },
    });
  }

  /** An answer Go reads by asking (length -1): one too large for its buffer, or an awaited effect's. */
  private pendingAnswer = '';

  private call(ptr: number, length: number, capacity: number): number {
    // Go's memory does not grow while Go waits for this call.
    const memory = this.instance.bytes();
    let answer = this.pendingAnswer;
    if (length >= 0) {
      let nul = ptr;
      while (memory[nul] !== 0) nul++;
      answer = this.host(kindAt(memory, ptr, nul), textAt(memory, nul + 1, ptr + length));
    }
    // At most 3 bytes a UTF-16 unit: it fits (most answers are short).
    if (answer.length * 3 <= capacity) {
      this.pendingAnswer = '';
      return memory.write(answer, ptr, capacity, 'utf8');
    }
    const { read, written } = encoder.encodeInto(answer, memory.subarray(ptr, ptr + capacity));
    if (read < answer.length) {
      this.pendingAnswer = answer;
      return -(answer.length * 3);
    }
    this.pendingAnswer = '';
    return written;
  }

  private host(kind: string, payload: string): string {
    const runtime = this.runtime;
    if (!runtime) return answerError({ type: 'NotSupported', message: 'no run in progress' });
    return this.answer(runtime.hostCall(kind, payload));
  }

  private answer(a: CallAnswer): string {
    return encodeAnswer(a, (promise) => {
      void this.settle(promise);
      return this.nextId++;
    });
  }

  /** Delivers awaited work to the parked VM, which runs on to its next await or the end. */
  private async settle(promise: Promise<CallAnswer>): Promise<void> {
    let next = await promise;
    while (next.status === 'async') next = await next.promise;
    if (!this.runtime || this.runtime.isStopped) return;
    this.pendingAnswer = this.answer(next);
    this.enter(() => {
      this.instance.exports.llmspell_deliver();
      this.instance.resume();
    });
  }

  resume(request: RunRequest): void {
    this.instance.limitBytes = this.instance.baseBytes + request.limits.memoryLimitBytes;
  }

  callTool(name: string, args: Json): EffectResult {
    const text = this.enter(() => this.instance.api.callTool(name, JSON.stringify(args)));
    if (text === undefined) return { ok: false, error: { type: 'SpellHostError', message: 'the Tengo engine stopped' } };
    return JSON.parse(text) as EffectResult;
  }

  heapBytes(): number {
    return this.instance.memory.buffer.byteLength;
  }

  dispose(): void {
    // A run that ended on its own left nothing in Go to cancel (each call into Go costs tens of µs).
    const running = this.finished !== undefined;
    this.runtime = undefined;
    this.finished = undefined;
    this.instance.onCrash = undefined;
    if (running && !this.instance.dead) {
      try {
        this.instance.api.cancel();
      } catch {
        this.instance.dead = true;
      }
    }
    this.release(this.instance);
  }
}

/**
 * An instance whose memory grew past this (WebAssembly memory never shrinks) is not reused,
 * so an idle engine thread holds at most its Go program's start-up memory (~7 MiB) plus this:
 * a typical run stays well under it (Go's own GC keeps the heap small), a run that used more
 * pays one Go start-up (a few ms) for the next run instead of pinning its peak.
 */
const REUSE_BELOW_BYTES = 16 * 1024 * 1024;

/** Options of a {@link TengoEngineFactory}. */
export interface TengoEngineFactoryOptions {
  /** The Tengo host program to load; default the one built next to this file. */
  wasmFile?: URL;
  /** The program already compiled (the pool shares one among its threads). */
  compiled?: WasmModule;
}

/** Sets the next run's API up in `instance`, with no run's memory limit on it; false if Go failed. */
function prepared(instance: GoInstance): boolean {
  instance.limitBytes = Number.POSITIVE_INFINITY;
  try {
    instance.api.prepare();
    // A Go crash ends the program without throwing here.
    return !instance.dead;
  } catch {
    instance.dead = true;
    return false;
  }
}

export class TengoEngineFactory implements EngineFactory {
  /** Compiled once per factory (one per engine thread) unless given; each Go program is made from it. */
  private compiled: Promise<WasmModule> | undefined;
  private readonly wasmFile: URL;
  private idle: GoInstance | undefined;

  constructor(options: TengoEngineFactoryOptions = {}) {
    this.wasmFile = options.wasmFile ?? TENGO_WASM;
    if (options.compiled) this.compiled = Promise.resolve(options.compiled);
  }

  async create(): Promise<Engine> {
    const reuse = this.idle;
    this.idle = undefined;
    let instance = reuse && !reuse.dead ? reuse : await this.start();
    // Engines are made ahead of their runs (see thread.ts): so is the run's API. A reused
    // program that fails at it is replaced; should a new one fail too, its run reports what Go
    // printed (a run without an API set up ahead sets one up itself).
    if (!prepared(instance) && instance === reuse) {
      instance.exit();
      instance = await this.start();
      prepared(instance);
    }
    return new TengoEngine(instance, (done) => {
      if (done.dead || this.idle || done.memory.buffer.byteLength > done.baseBytes + REUSE_BELOW_BYTES) done.exit();
      else this.idle = done;
    });
  }

  private async start(): Promise<GoInstance> {
    this.compiled ??= WebAssembly.compile(readFileSync(this.wasmFile));
    const go = new Go();
    // Nothing from the host's environment: no secrets reach the Go program.
    go.argv = ['llmspell-tengo'];
    go.env = {};
    let instance: GoInstance | undefined;
    // Go calls this after every growth of its memory: the one place to enforce a hard limit.
    const reset = go.importObject.gojs['runtime.resetMemoryDataView']!;
    go.importObject.gojs['runtime.resetMemoryDataView'] = (sp) => {
      reset(sp);
      if (instance && instance.memory.buffer.byteLength > instance.limitBytes) {
        throw new MemoryLimitExceeded(`the script used more memory than its limit (WebAssembly memory reached ${instance.memory.buffer.byteLength} bytes)`);
      }
    };
    const running = (): RunImports => {
      if (!instance?.run) throw new Error('the Tengo engine called its host outside a run');
      return instance.run;
    };
    go.importObject.llmspell = {
      request: (ptr, capacity) => running().request(ptr, capacity),
      call: (ptr, length, capacity) => running().call(ptr, length, capacity),
      now: () => running().now(),
      random: () => running().random(),
      reseed: (seed) => running().reseed(seed),
      done: (ptr, length) => running().done(ptr, length),
    };
    // Go wakes itself with timers (its scheduler); one may fire after the program ended.
    const resume = go._resume.bind(go);
    go._resume = () => {
      if (!go.exited) resume();
    };
    const wasm = await WebAssembly.instantiate(await this.compiled, go.importObject);
    const api = {} as TengoApi;
    const global = globalThis as unknown as { __llmspellTengo?: TengoApi };
    global.__llmspellTengo = api;
    // Go's main runs synchronously up to its wait: by then it has filled `api`.
    void go.run(wasm);
    delete global.__llmspellTengo;
    instance = new GoInstance(go, api, wasm.exports as unknown as TengoExports, wasm.exports.mem as WasmMemory);
    return instance;
  }
}
