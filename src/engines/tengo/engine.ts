/**
 * The Tengo engine: the real Tengo VM (github.com/d5/tengo/v2) with a small Go host
 * (./host), compiled to WebAssembly with GOOS=js (scripts/build-tengo.sh). One Go
 * instance per run. The VM runs in a goroutine: a recorded bridge call returns
 * synchronously, an awaited effect parks the goroutine, which hands control back here
 * until the answer is delivered. There is no preemption inside the VM: the engine runs
 * in a worker thread that the pool terminates at the time limit.
 */
import { readFileSync } from 'node:fs';
import type { Json, SpellErrorData } from '../../journal/types.ts';
import type { Engine, EngineFactory } from '../engine.ts';
import type { EffectResult, RunRequest } from '../protocol.ts';
import type { CallAnswer, SpellRuntime } from '../runtime.ts';
import { answerError, answerLater, answerOk } from '../answer.ts';
import './wasm_exec.js';

/** The parts of the WebAssembly API used here: Node has it, @types/node does not declare it. */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
type WasmModule = object;
declare const WebAssembly: {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: object): Promise<WasmInstance>;
};

type Outcome = { ok: true; value: Json } | { ok: false; error: SpellErrorData };

/** Go's JavaScript glue (wasm_exec.js, from the Go toolchain that built tengo.wasm). */
interface GoRuntime {
  exited: boolean;
  _resume(): void;
  _scheduledTimeouts: Map<number, ReturnType<typeof setTimeout>>;
  argv: string[];
  env: Record<string, string>;
  exit: (code: number) => void;
  importObject: { gojs: Record<string, (sp: number) => void> };
  run(instance: WasmInstance): Promise<void>;
}
declare const Go: new () => GoRuntime;

/** The host's side of a run, as host/run.go calls it. */
interface RunHost {
  /** A bridge call: the request (kind, NUL, payload) is at `ptr` in Go's memory; the answer goes there too. */
  call(ptr: number, length: number, capacity: number): number;
  now(): number;
  random(): number;
  done(outcome: string): void;
}

/** What the Go host (host/main.go) puts on the object it finds at globalThis.__llmspellTengo. */
interface TengoApi {
  run(source: string, fileName: string, config: string, host: RunHost): void;
  deliver(answer: string): void;
  callTool(name: string, args: string): string;
  exit(): void;
}

export const TENGO_WASM = new URL('./tengo.wasm', import.meta.url);

/** What Go printed (a crash report), kept for the error message; Go writes through the fs shim. */
let goOutput = '';
const shim = (globalThis as unknown as { fs: { writeSync(fd: number, buf: Uint8Array): number } }).fs;
shim.writeSync = (_fd, buf) => {
  goOutput = (goOutput + new TextDecoder().decode(buf)).slice(-4096);
  return buf.length;
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

class MemoryLimitExceeded extends Error {}

class TengoEngine implements Engine {
  private runtime: SpellRuntime | undefined;
  private finished: ((outcome: Outcome) => void) | undefined;
  private nextId = 0;
  private dead = false;
  private readonly api: TengoApi;
  private readonly memory: WasmMemory;
  private readonly limit: { bytes: number };
  /** WebAssembly memory once Go has started: the script's memory limit is on top of it. */
  private readonly baseBytes: number;

  private readonly go: GoRuntime;

  constructor(api: TengoApi, memory: WasmMemory, limit: { bytes: number }, go: GoRuntime) {
    this.api = api;
    this.go = go;
    this.memory = memory;
    this.limit = limit;
    this.baseBytes = memory.buffer.byteLength;
    go.exit = (code) => {
      this.dead = true;
      if (code !== 0) this.fail(new Error(`the Tengo engine stopped (exit code ${code}): ${goOutput.trim()}`));
    };
  }

  run(request: RunRequest, runtime: SpellRuntime): Promise<void> {
    this.runtime = runtime;
    this.limit.bytes = this.baseBytes + request.limits.memoryLimitBytes;
    const memoryLimitBytes = request.limits.memoryLimitBytes;
    const config = JSON.stringify({
      input: request.input,
      id: request.spell.id,
      attempt: request.spell.attempt,
      outputLimitBytes: request.limits.outputLimitBytes,
      memoryLimitBytes,
      // Tengo counts every object it creates, integer results included.
      maxAllocs: Math.floor(memoryLimitBytes / 8),
    });
    return new Promise((resolve) => {
      this.finished = (outcome) => {
        this.finished = undefined;
        // A runtime error cannot be caught in Tengo: inside a step it fails the step (which
        // may then be retried), and the run.
        if (!outcome.ok && runtime.stepRunning) runtime.endStep(outcome);
        runtime.finish(outcome);
        resolve();
      };
      this.enter(() =>
        this.api.run(request.source, request.fileName, config, {
          call: (ptr, length, capacity) => this.call(ptr, length, capacity),
          now: () => runtime.nowMs,
          random: () => runtime.random(),
          done: (text) => this.finished?.(JSON.parse(text) as Outcome),
        }),
      );
    });
  }

  /** Calls into Go; a limit hit or a crash inside ends the run. */
  private enter<T>(fn: () => T): T | undefined {
    if (this.dead) {
      this.fail(new Error(`the Tengo engine stopped: ${goOutput.trim()}`));
      return undefined;
    }
    try {
      return fn();
    } catch (error) {
      this.dead = true;
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

  /** An answer too large for Go's buffer, kept until Go asks again with a larger one. */
  private pendingAnswer = '';

  private call(ptr: number, length: number, capacity: number): number {
    const memory = new Uint8Array(this.memory.buffer);
    let answer = this.pendingAnswer;
    if (length >= 0) {
      const request = decoder.decode(memory.subarray(ptr, ptr + length));
      const nul = request.indexOf('\0');
      answer = this.host(request.slice(0, nul), request.slice(nul + 1));
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
    switch (kind) {
      case 'step.end':
        return this.answer(runtime.endStep(JSON.parse(payload) as Outcome));
      case 'state.get':
      case 'state.delete':
        return this.answer(runtime.call(kind, { key: payload }));
      default:
        return this.answer(runtime.call(kind, payload === '' ? null : (JSON.parse(payload) as Json)));
    }
  }

  private answer(a: CallAnswer): string {
    switch (a.status) {
      case 'ok':
        return answerOk(a.value);
      case 'error':
        return answerError(a.error);
      case 'async': {
        void this.settle(a.promise);
        return answerLater(this.nextId++);
      }
    }
  }

  /** Delivers awaited work to the parked VM, which runs on to its next await or the end. */
  private async settle(promise: Promise<CallAnswer>): Promise<void> {
    let next = await promise;
    while (next.status === 'async') next = await next.promise;
    if (!this.runtime || this.runtime.isStopped) return;
    const answer = this.answer(next);
    this.enter(() => this.api.deliver(answer));
  }

  callTool(name: string, args: Json): EffectResult {
    const text = this.enter(() => this.api.callTool(name, JSON.stringify(args)));
    if (text === undefined) return { ok: false, error: { type: 'SpellHostError', message: 'the Tengo engine stopped' } };
    return JSON.parse(text) as EffectResult;
  }

  heapBytes(): number {
    return this.memory.buffer.byteLength;
  }

  dispose(): void {
    this.runtime = undefined;
    this.finished = undefined;
    // Ends the Go program; a VM goroutine parked forever (a stopped run) goes with it.
    this.enter(() => this.api.exit());
    this.dead = true;
    for (const timeout of this.go._scheduledTimeouts.values()) clearTimeout(timeout);
  }
}

export class TengoEngineFactory implements EngineFactory {
  /** Compiled once per factory (one per engine thread); each engine is a new instance of it. */
  private compiled: Promise<WasmModule> | undefined;
  private readonly wasmFile: URL;

  /** @param wasmFile the Tengo host program; default the one built next to this file. */
  constructor(wasmFile: URL = TENGO_WASM) {
    this.wasmFile = wasmFile;
  }

  async create(): Promise<Engine> {
    this.compiled ??= WebAssembly.compile(readFileSync(this.wasmFile));
    const go = new Go();
    // Nothing from the host's environment: no secrets reach the Go program.
    go.argv = ['llmspell-tengo'];
    go.env = {};
    const limit = { bytes: Number.POSITIVE_INFINITY };
    let memory: WasmMemory | undefined;
    // Go calls this after every growth of its memory: the one place to enforce a hard limit.
    const reset = go.importObject.gojs['runtime.resetMemoryDataView']!;
    go.importObject.gojs['runtime.resetMemoryDataView'] = (sp) => {
      reset(sp);
      if (memory && memory.buffer.byteLength > limit.bytes) {
        throw new MemoryLimitExceeded(`the script used more memory than its limit (WebAssembly memory reached ${memory.buffer.byteLength} bytes)`);
      }
    };
    const instance = await WebAssembly.instantiate(await this.compiled, go.importObject);
    memory = instance.exports.mem as WasmMemory;
    // Go wakes itself with timers (its scheduler); one may fire after the program ended.
    const resume = go._resume.bind(go);
    go._resume = () => {
      if (!go.exited) resume();
    };
    const api = {} as TengoApi;
    const global = globalThis as unknown as { __llmspellTengo?: TengoApi };
    global.__llmspellTengo = api;
    // Go's main runs synchronously up to its wait: by then it has filled `api`.
    void go.run(instance);
    delete global.__llmspellTengo;
    return new TengoEngine(api, memory, limit, go);
  }
}
