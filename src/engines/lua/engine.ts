/** The Lua engine: Lua 5.4 in WebAssembly (wasmoon), one fresh Lua state per run. */
import { decorateFunction, LuaFactory, LuaRawResult, LuaReturn, type LuaEngine as WasmoonEngine, type LuaThread } from 'wasmoon';
import type { Json, SpellErrorData } from '../../journal/types.ts';
import type { Engine, EngineFactory } from '../engine.ts';
import type { CallAnswer, EffectResult, RunRequest } from '../../runtime/protocol.ts';
import type { SpellRuntime } from '../../runtime/runtime.ts';
import { LUA_PRELUDE } from './prelude.ts';
import { LuaValues } from './conversion.ts';

type Outcome = { ok: true; value: Json } | { ok: false; error: SpellErrorData };

class LuaEngine implements Engine {
  private runtime: SpellRuntime | undefined;
  private readonly lua: WasmoonEngine;
  /** Awaited bridge calls by id, until the main coroutine is resumed with their answer. */
  private readonly pending = new Map<number, Promise<CallAnswer>>();
  private nextId = 0;
  /** Lua raised a memory error: the run fails with SpellMemoryLimit whatever the script does next. */
  private memoryHit = false;
  /** An allocation the limit refused (block, old size, new size), until Lua retries it (after an emergency collection) or gives up. */
  private refused: [number, number, number] | undefined;
  private readonly values: LuaValues;
  /** The coroutine the script will run in, made with the engine: a run only pushes its arguments. */
  private main!: LuaThread;

  constructor(lua: WasmoonEngine) {
    this.lua = lua;
    this.traceMemory();
    this.values = new LuaValues((lua.global as unknown as LuaInternals).lua.module);
  }

  /**
   * Replaces wasmoon's allocator with one that also tells when Lua ran out of memory. Lua
   * answers a refused allocation with an emergency collection and the same request again;
   * only when that fails too (or is not retried) does it raise "not enough memory". A script
   * can catch that error (pcall, coroutine.resume, an error in a __close handler replacing
   * it...); the flag cannot be caught, so the prelude's pcall and the end of the run check it.
   */
  private traceMemory(): void {
    const global = this.lua.global as unknown as {
      lua: { module: { addFunction(fn: (...args: number[]) => number, signature: string): number; removeFunction(p: number): void; _realloc(p: number, n: number): number; _free(p: number): void }; lua_setallocf(L: number, f: number, ud: number | null): void };
      address: number;
      memoryStats: { memoryUsed: number; memoryMax?: number };
      allocatorFunctionPointer: number;
    };
    const { module } = global.lua;
    const stats = global.memoryStats;
    const allocator = module.addFunction((_ud: number, pointer: number, oldSize: number, newSize: number): number => {
      if (newSize === 0) {
        if (pointer) {
          stats.memoryUsed -= oldSize;
          module._free(pointer);
        }
        return 0;
      }
      // For a new block Lua passes the object's type in oldSize: it holds nothing yet.
      const grows = pointer ? newSize - oldSize : newSize;
      if (grows > 0) {
        const refused = this.refused;
        const retry = refused !== undefined && refused[0] === pointer && refused[1] === oldSize && refused[2] === newSize;
        if (refused !== undefined && !retry) this.memoryHit = true; // Lua gave the refused one up
        if (stats.memoryMax && stats.memoryUsed + grows > stats.memoryMax) {
          if (retry) this.memoryHit = true;
          this.refused = [pointer, oldSize, newSize];
          return 0;
        }
        this.refused = undefined;
      }
      const reallocated = module._realloc(pointer, newSize);
      if (reallocated) stats.memoryUsed += grows;
      return reallocated;
    }, 'iiiii');
    global.lua.lua_setallocf(global.address, allocator, null);
    module.removeFunction(global.allocatorFunctionPointer);
    global.allocatorFunctionPointer = allocator; // wasmoon removes it after lua_close
  }

  /** True once Lua has raised a memory error in this state. */
  private outOfMemory(): boolean {
    if (this.refused !== undefined) this.memoryHit = true;
    return this.memoryHit;
  }

  /**
   * Loads the prelude (`chunk`: its compiled form, see preludeChunk): the host function is the
   * only way out of the sandbox. It reads its arguments (kind, payload) and pushes its results
   * with Lua's C API, not wasmoon's generic conversion (most of a bridge call's time): a value,
   * or nil and a status with its payload — 1 and an error, 2 and the id of work to await.
   */
  init(chunk: Uint8Array): void {
    const values = this.values;
    const answer = (L: number, a: CallAnswer): number => {
      if (a.status === 'ok') {
        values.push(L, a.value ?? null);
        return 1;
      }
      let payload: Json;
      if (a.status === 'error') payload = a.error as unknown as Json;
      else {
        payload = this.nextId++;
        this.pending.set(payload, a.promise);
      }
      values.push(L, null);
      values.push(L, a.status === 'error' ? 1 : 2);
      values.push(L, payload);
      return 3;
    };
    const host = (kind: string, payload: string, L: number): number => {
      const runtime = this.runtime;
      if (!runtime) return answer(L, { status: 'error', error: { type: 'NotSupported', message: 'no run in progress' } });
      switch (kind) {
        case 'spell.now':
          values.push(L, runtime.nowMs);
          return 1;
        case 'spell.random':
          values.push(L, runtime.random());
          return 1;
        case 'spell.random64': {
          const bits = runtime.rng.next64();
          values.push(L, Number(bits >> 32n));
          values.push(L, Number(bits & 0xffffffffn));
          return 2;
        }
        case 'spell.reseed': {
          const [x = '0', y = '0'] = payload.split(',');
          runtime.rng.reseed(BigInt(x), BigInt(y));
          return 0;
        }
        case 'spell.memory':
          values.push(L, this.outOfMemory());
          return 1;
        default:
          return answer(L, runtime.hostCall(kind, payload));
      }
    };
    const global = this.lua.global;
    loadBinary(this.lua, chunk);
    global.pushValue(
      decorateFunction(
        (thread: LuaThread, argc: number) => {
          const L = thread.address;
          return new LuaRawResult(host(values.kind(L, 1), argc > 1 ? values.text(L, 2) : '', L));
        },
        { receiveThread: true, receiveArgsQuantity: true },
      ),
    );
    global.runSync(1);
    global.setTop(0);
    // Left on the main stack, which anchors it; its function is the prelude's driver.
    this.main = global.newThread();
    (global as unknown as LuaInternals).lua.lua_getglobal(this.main.address, '__llmspell_main');
  }

  async run(request: RunRequest, runtime: SpellRuntime): Promise<void> {
    this.runtime = runtime;
    const global = this.lua.global;
    global.setMemoryMax(request.limits.memoryLimitBytes);
    const thread = this.main;
    const values = this.values;
    // Under the script's memory limit, protected: a source or input larger than the limit fails
    // the run (unprotected, Lua's out-of-memory error aborted the thread's whole WebAssembly module).
    for (const [what, value] of [['source', request.source], ['file name', `@${request.fileName}`], ['input', request.input ?? null]] as const) {
      if (!values.pushProtected(global.address, thread.address, value)) {
        runtime.finish({ ok: false, error: { type: 'SpellMemoryLimit', message: `the spell's ${what} takes more memory than the script's limit of ${request.limits.memoryLimitBytes} bytes` } });
        return;
      }
    }
    for (const arg of [request.spell.id, request.spell.attempt, request.spell.startedAtMs, request.limits.outputLimitBytes, request.limits.memoryLimitBytes]) {
      values.push(thread.address, arg);
    }
    let text: string;
    try {
      text = await this.drive(thread, 8);
    } catch (error) {
      // Errors that escape the driver's pcall: allocation failures inside the runtime itself.
      const message = error instanceof Error ? error.message : String(error);
      runtime.finish({
        ok: false,
        error: /not enough memory/.test(message)
          ? { type: 'SpellMemoryLimit', message: `the script used more memory than its limit of ${request.limits.memoryLimitBytes} bytes` }
          : { type: 'SpellScriptError', message },
      });
      return;
    }
    if (this.outOfMemory()) {
      runtime.finish({ ok: false, error: { type: 'SpellMemoryLimit', message: `the script used more memory than its limit of ${request.limits.memoryLimitBytes} bytes` } });
      return;
    }
    runtime.finish(JSON.parse(text) as Outcome);
  }

  /**
   * Runs the main coroutine. An awaited bridge call yields the id of its pending work; the
   * coroutine is resumed with (status, payload) once it settles. Cheaper than wasmoon's
   * Promise `:await()`, which registers a new WebAssembly function for every await.
   */
  private async drive(thread: ReturnType<WasmoonEngine['global']['newThread']>, argCount: number): Promise<string> {
    let step = thread.resume(argCount);
    while (step.result === LuaReturn.Yield) {
      const id = step.resultCount > 0 ? (thread.getValue(-1) as unknown) : undefined;
      thread.pop(step.resultCount);
      const pending = typeof id === 'number' ? this.pending.get(id) : undefined;
      let answer: CallAnswer;
      if (pending) {
        this.pending.delete(id as number);
        answer = await pending;
        // Work that settles into more work (never in practice) is awaited here too.
        while (answer.status === 'async') answer = await answer.promise;
      } else {
        answer = { status: 'error', error: { type: 'NotSupported', message: 'coroutine.yield outside a coroutine is not supported' } };
      }
      thread.pushValue(answer.status === 'ok' ? 0 : 1);
      // A result too large for the script's memory ends the run (run() reports the limit).
      if (!this.values.pushProtected(this.lua.global.address, thread.address, answer.status === 'ok' ? answer.value : (answer.error as unknown as Json))) {
        this.memoryHit = true;
        throw new Error('not enough memory');
      }
      step = thread.resume(2);
    }
    thread.assertOk(step.result);
    return this.values.text(thread.address, -1);
  }

  resume(request: RunRequest): void {
    this.lua.global.setMemoryMax(request.limits.memoryLimitBytes);
  }

  callTool(name: string, args: Json): EffectResult {
    const call = this.lua.global.get('__llmspell_call_tool') as (name: string, args: string) => string;
    return JSON.parse(call(name, JSON.stringify(args))) as EffectResult;
  }

  heapBytes(): number {
    return this.lua.global.lua.module.HEAPU8.byteLength;
  }

  dispose(): void {
    this.runtime = undefined;
    this.values.dispose();
    this.lua.global.close();
  }
}

/** The parts of wasmoon's Lua API used to make and load a binary chunk. */
interface LuaInternals {
  lua: {
    module: {
      _malloc(size: number): number;
      _free(pointer: number): void;
      HEAPU8: Uint8Array;
      _lua_pcallk(L: number, args: number, results: number, handler: number, context: number, continuation: number): number;
      _lua_tolstring(L: number, index: number, length: number): number;
      _lua_settop(L: number, index: number): void;
    };
    luaL_loadbufferx(L: number, buffer: number, size: number, name: string, mode: string): number;
    lua_getglobal(L: number, name: string): number;
  };
  address: number;
}

/** Loads a binary chunk (the host's own: scripts may load text only) onto the stack. */
function loadBinary(lua: WasmoonEngine, chunk: Uint8Array): void {
  const global = lua.global as unknown as LuaInternals & { assertOk(result: number): void };
  const { module } = global.lua;
  const pointer = module._malloc(chunk.length);
  try {
    module.HEAPU8.set(chunk, pointer);
    global.assertOk(global.lua.luaL_loadbufferx(global.address, pointer, chunk.length, '=llmspell', 'b'));
  } finally {
    module._free(pointer);
  }
}

/**
 * The prelude compiled once (string.dump, debug information kept): parsing its source took
 * about two thirds of making an engine, which happens once per run. The dump's bytes are
 * copied out of Lua's memory (as hex through Lua, they took ~0.1 s of each thread's start).
 */
function preludeChunk(lua: WasmoonEngine): Uint8Array {
  const global = lua.global as unknown as LuaInternals & Pick<WasmoonEngine['global'], 'loadString' | 'pushValue' | 'assertOk'>;
  const { module } = global.lua;
  const L = global.address;
  global.loadString('return string.dump(assert(load(..., "=llmspell", "t")))', '=llmspell-compile');
  global.pushValue(LUA_PRELUDE);
  global.assertOk(module._lua_pcallk(L, 1, 1, 0, 0, 0));
  const lengthCell = module._malloc(4);
  try {
    const pointer = module._lua_tolstring(L, -1, lengthCell);
    const length = new DataView(module.HEAPU8.buffer).getUint32(lengthCell, true);
    return module.HEAPU8.slice(pointer, pointer + length);
  } finally {
    module._free(lengthCell);
    module._lua_settop(L, 0);
  }
}

export class LuaEngineFactory implements EngineFactory {
  private readonly factory = new LuaFactory();
  private chunk: Uint8Array | undefined;

  async create(): Promise<Engine> {
    const lua = await this.factory.createEngine({
      enableProxy: false,
      injectObjects: false,
      traceAllocations: true,
      openStandardLibs: true,
    });
    this.chunk ??= preludeChunk(lua);
    const engine = new LuaEngine(lua);
    engine.init(this.chunk);
    return engine;
  }
}
