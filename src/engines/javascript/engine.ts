/** The JavaScript engine: a V8 isolate (isolated-vm) with its own heap limit, one per run. */
import { setFlagsFromString } from 'node:v8';
import ivm from 'isolated-vm';
import type { Json, SpellErrorData } from '../../journal/types.ts';
import type { Engine, EngineFactory, ScriptAhead } from '../engine.ts';
import { DEFAULT_LIMITS } from '../../contract/settings.ts';
import type { CallAnswer, EffectResult, RunRequest } from '../../runtime/protocol.ts';
import type { SpellRuntime } from '../../runtime/runtime.ts';
import { JS_PRELUDE } from './prelude.ts';
import { answerError, answerOk, encodeAnswer } from '../answer.ts';

type Outcome = { ok: true; value: Json } | { ok: false; error: SpellErrorData };

// Each run gets a fresh isolate, where V8 would compile every function of the prelude again at
// its first call (~0.3 ms of a 0.7 ms run): in this process (an engine host, nothing else) V8
// compiles functions eagerly, and the prelude's compiled code is cached once and reused by
// every isolate after the first.
setFlagsFromString('--no-lazy');
let preludeCode: ivm.ExternalCopy<ArrayBuffer> | undefined;

/**
 * Compiled code of the scripts run lately, by file name and source: a spell's script runs
 * again from the top at every step, each time in a fresh isolate, which would compile it
 * from scratch (a 50-line script: ~0.28 ms, ~0.1 ms from the cache).
 */
const scriptCode = new Map<string, ivm.ExternalCopy<ArrayBuffer>>();
const SCRIPTS_KEPT = 16;
const scriptKey = (fileName: string, source: string) => `${fileName}\0${source}`;

/** Compiles a run's script in `isolate`, from the code cache when it has the script. */
function compileScript(isolate: ivm.Isolate, key: string, fileName: string, source: string): ivm.Script {
  const cachedData = scriptCode.get(key);
  const script = isolate.compileScriptSync(wrap(source), {
    filename: fileName,
    ...(cachedData ? { cachedData } : { produceCachedData: true }),
  }) as ivm.Script & ivm.CachedDataResult;
  if (!cachedData && script.cachedData) {
    if (scriptCode.size === SCRIPTS_KEPT) scriptCode.delete(scriptCode.keys().next().value!);
    scriptCode.set(key, script.cachedData);
  }
  return script;
}

/** The user's script runs as the body of an async function: top-level await and return work, lines keep their numbers. */
const WRAP_OPEN = '(async function (input) {';
const wrap = (source: string) => `${WRAP_OPEN}${source}\n})`;

/** Smallest heap V8 accepts for an isolate. */
const MIN_MEMORY_MB = 8;

class JavaScriptEngine implements Engine {
  private runtime: SpellRuntime | undefined;
  private readonly isolate: ivm.Isolate;
  private readonly context: ivm.Context;
  private readonly start: ivm.Reference<(...args: unknown[]) => void>;
  private readonly settle: ivm.Reference<(id: string, text: string) => void>;
  private readonly callToolRef: ivm.Reference<(name: string, args: string) => string>;
  private nextId = 0;
  readonly fixedMemoryLimitBytes: number;
  private finished: ((outcome: Outcome) => void) | undefined;
  /** The isolate's CPU time when this run started: the limit counts CPU time from there. */
  private cpuAtStart = 0n;
  private timeoutMs = 0;
  /** The script compiled ahead (see EngineFactory.create), by its cache key. */
  precompiled: { key: string; script: ivm.Script } | undefined;

  constructor(isolate: ivm.Isolate, context: ivm.Context, memoryLimitBytes: number) {
    this.isolate = isolate;
    this.fixedMemoryLimitBytes = memoryLimitBytes;
    this.context = context;
    const host = (kind: string, payload: string): string => this.host(kind, payload);
    context.global.setSync('__host', new ivm.Callback(host));
    const prelude = isolate.compileScriptSync(JS_PRELUDE, {
      filename: 'llmspell:prelude',
      ...(preludeCode ? { cachedData: preludeCode } : { produceCachedData: true }),
    }) as ivm.Script & ivm.CachedDataResult;
    preludeCode ??= prelude.cachedData;
    prelude.runSync(context);
    this.start = context.global.getSync('__start', { reference: true });
    this.settle = context.global.getSync('__settle', { reference: true });
    this.callToolRef = context.global.getSync('__callTool', { reference: true });
    context.global.deleteSync('__callTool');
    context.global.deleteSync('__start');
    context.global.deleteSync('__settle');
  }

  private host(kind: string, payload: string): string {
    const runtime = this.runtime;
    if (!runtime) return answerError({ type: 'NotSupported', message: 'no run in progress' });
    switch (kind) {
      case 'spell.now':
        return answerOk(runtime.nowMs);
      case 'spell.random':
        return answerOk(runtime.random());
      case '__finish':
        this.finished?.(JSON.parse(payload) as Outcome);
        return answerOk(null);
      default:
        return this.answer(runtime.hostCall(kind, payload));
    }
  }

  private answer(a: CallAnswer): string {
    return encodeAnswer(a, (promise) => {
      const id = this.nextId++;
      void promise.then((next) => this.deliver(id, next));
      return id;
    });
  }

  /** Settles an awaited call inside the isolate; the script runs on until its next await. */
  private deliver(id: number, next: CallAnswer): void {
    if (this.isolate.isDisposed || !this.runtime || this.runtime.isStopped) return;
    try {
      this.settle.applySync(undefined, [String(id), this.answer(next)], { timeout: this.remainingMs() });
    } catch (error) {
      this.fail(error);
    }
  }

  /**
   * CPU time the script has left. Effects are awaited outside the isolate, so they cost
   * nothing here. Each entry into the isolate gets it as its (wall-clock) timeout: wall time
   * inside a call is at least its CPU time, so the limit holds; only a waiting call
   * (Atomics.wait) ends before its CPU time is spent.
   */
  private remainingMs(): number {
    const usedMs = Number(this.isolate.cpuTime - this.cpuAtStart) / 1e6;
    return Math.max(1, Math.ceil(this.timeoutMs - usedMs));
  }

  cpuTimeLeftMs(): number {
    if (this.isolate.isDisposed) return 0;
    return this.timeoutMs - Number(this.isolate.cpuTime - this.cpuAtStart) / 1e6;
  }

  /** The isolate hit its heap limit (it is disposed then, and says so). */
  private outOfMemory(message: string): boolean {
    return /memory limit/i.test(message) || this.isolate.isDisposed;
  }

  private fail(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    const limits = this.runtimeLimits;
    if (/timed out/i.test(message)) {
      this.finished?.({ ok: false, error: { type: 'SpellTimeout', message: `the script ran longer than its time limit of ${limits.timeoutMs} ms` } });
    } else if (this.outOfMemory(message)) {
      this.finished?.({ ok: false, error: { type: 'SpellMemoryLimit', message: `the script used more memory than its limit of ${limits.memoryLimitBytes} bytes` } });
    } else {
      this.finished?.({ ok: false, error: { type: 'SpellScriptError', message } });
    }
  }

  private runtimeLimits = { timeoutMs: 0, memoryLimitBytes: 0 };

  async run(request: RunRequest, runtime: SpellRuntime): Promise<void> {
    this.runtime = runtime;
    this.resume(request);
    const outcome = new Promise<Outcome>((resolve) => (this.finished = resolve));
    let main: ivm.Reference<unknown>;
    try {
      const key = scriptKey(request.fileName, request.source);
      const ahead = this.precompiled;
      this.precompiled = undefined;
      if (ahead && ahead.key !== key) ahead.script.release();
      const script = ahead?.key === key ? ahead.script : compileScript(this.isolate, key, request.fileName, request.source);
      main = script.runSync(this.context, { reference: true, timeout: this.remainingMs() }) as ivm.Reference<unknown>;
    } catch (error) {
      // No script code has run yet: a source too large to compile under the limit ends the isolate.
      runtime.finish({
        ok: false,
        error: this.outOfMemory(error instanceof Error ? error.message : String(error))
          ? { type: 'SpellMemoryLimit', message: `the spell's source takes more memory than the script's limit of ${request.limits.memoryLimitBytes} bytes` }
          : compileError(this.isolate, error, request.fileName, request.source),
      });
      return;
    }
    try {
      this.start.applySync(
        undefined,
        [
          main.derefInto(),
          request.input === null ? '' : JSON.stringify(request.input),
          request.spell.id,
          request.spell.attempt,
          request.fileName,
          request.limits.outputLimitBytes,
        ],
        { timeout: this.remainingMs() },
      );
    } catch (error) {
      this.fail(error);
    }
    runtime.finish(await outcome);
  }

  resume(request: RunRequest): void {
    this.runtimeLimits = request.limits;
    this.cpuAtStart = this.isolate.cpuTime;
    this.timeoutMs = request.limits.timeoutMs;
  }

  callTool(name: string, args: Json): EffectResult {
    try {
      const text = this.callToolRef.applySync(undefined, [name, JSON.stringify(args)], { timeout: this.remainingMs() }) as string;
      return JSON.parse(text) as EffectResult;
    } catch (error) {
      this.fail(error);
      return { ok: false, error: { type: 'SpellTimeout', message: (error as Error).message } };
    }
  }

  heapBytes(): number {
    if (this.isolate.isDisposed) return 0;
    const heap = this.isolate.getHeapStatisticsSync();
    return heap.total_heap_size + heap.externally_allocated_size;
  }

  dispose(): void {
    this.runtime = undefined;
    this.finished = undefined;
    if (!this.isolate.isDisposed) this.isolate.dispose();
  }
}

/** The line of a compile error, from the `[file:line:column]` isolated-vm ends its message with. */
const lineOf = (message: string) => /\[.*:(\d+):\d+\]$/.exec(message)?.[1];
const isSyntaxError = (error: unknown) => error instanceof SyntaxError || /SyntaxError/.test(String((error as Error)?.name));

/**
 * A compile error as the user's file has it. An error past the script's last line is the
 * parser reaching the wrapper's closing `})`, named on a line the file does not have. Either
 * the script ends too early, and what V8 says of it without that closing is reported (the end
 * of its input), or it closes the wrapper's function itself with a `}` too many, and V8's error
 * (that token) is reported on the script's last line of code.
 */
function compileError(isolate: ivm.Isolate, error: unknown, fileName: string, source: string): SpellErrorData {
  let message = error instanceof Error ? error.message : String(error);
  const type = isSyntaxError(error) ? 'SpellSyntaxError' : 'SpellScriptError';
  let line = lineOf(message);
  const lines = source.split('\n');
  if (type === 'SpellSyntaxError' && Number(line) > lines.length) {
    if (failureToCompile(isolate, `${WRAP_OPEN}${source}\n)`, fileName) === undefined) {
      line = String(lines.findLastIndex((text) => text.trim() !== '') + 1 || lines.length);
    } else {
      const alone = failureToCompile(isolate, WRAP_OPEN + source, fileName);
      if (isSyntaxError(alone)) line = lineOf((message = (alone as Error).message));
    }
  }
  return { type, message: message.replace(/ \[.*?:\d+:\d+\]$/, ''), ...(line ? { where: `${fileName}:${line}` } : {}) };
}

/** What compiling `code` in the isolate throws, or undefined if it compiles (nothing runs). */
function failureToCompile(isolate: ivm.Isolate, code: string, fileName: string): unknown {
  try {
    isolate.compileScriptSync(code, { filename: fileName }).release();
    return undefined;
  } catch (error) {
    return error;
  }
}

function makeEngine(memoryLimitBytes: number, ahead: ScriptAhead | undefined): JavaScriptEngine {
  const isolate = new ivm.Isolate({ memoryLimit: Math.max(MIN_MEMORY_MB, Math.ceil(memoryLimitBytes / (1024 * 1024))) });
  const context = isolate.createContextSync();
  const engine = new JavaScriptEngine(isolate, context, memoryLimitBytes);
  // An isolate's first compile costs ~70 µs more than the next: paid here, before a run takes
  // it, on the script the host expects (most likely this run's too).
  try {
    if (ahead) {
      const key = scriptKey(ahead.fileName, ahead.source);
      engine.precompiled = { key, script: compileScript(isolate, key, ahead.fileName, ahead.source) };
    }
  } catch {
    // Its run reports what is wrong with it; an isolate it left out of memory is made again.
    if (isolate.isDisposed) return makeEngine(memoryLimitBytes, undefined);
  }
  if (!engine.precompiled) isolate.compileScriptSync(wrap('return 0'), { filename: 'llmspell:warm' }).runSync(context, { reference: true }).release();
  return engine;
}

export class JavaScriptEngineFactory implements EngineFactory {
  async create(memoryLimitBytes = DEFAULT_LIMITS.memoryLimitBytes, ahead?: ScriptAhead): Promise<Engine> {
    return makeEngine(memoryLimitBytes, ahead);
  }
}
