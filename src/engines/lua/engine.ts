/**
 * The Lua engine: Lua 5.4 in WebAssembly (wasmoon's build of it), one fresh Lua state per run,
 * driven through Lua's C API: a state, its allocator, the host function and the coroutine the
 * script runs in are made here, not through wasmoon's engine wrapper (its type extensions cost
 * two thirds of making a state, once per run, and nothing here uses them).
 */
import { LUA_REGISTRYINDEX, LuaFactory, LuaReturn } from 'wasmoon';
import type { Json, SpellErrorData } from '../../journal/types.ts';
import type { Engine, EngineFactory, ScriptAhead } from '../engine.ts';
import type { CallAnswer, EffectResult, RunRequest } from '../../runtime/protocol.ts';
import type { SpellRuntime } from '../../runtime/runtime.ts';
import { LUA_PRELUDE } from './prelude.ts';
import { LuaValues, type LuaCApi } from './conversion.ts';

type Outcome = { ok: true; value: Json } | { ok: false; error: SpellErrorData };

/** The parts of Lua's C API (wasmoon's Emscripten module) the engine calls, besides the conversion's. */
interface LuaApi extends LuaCApi {
  _realloc(pointer: number, bytes: number): number;
  stringToUTF8(text: string, pointer: number, maxBytes: number): void;
  lengthBytesUTF8(text: string): number;
  _lua_newstate(allocator: number, ud: number): number;
  _luaL_newstate(): number;
  _luaL_openlibs(L: number): void;
  _lua_close(L: number): void;
  _luaL_loadbufferx(L: number, buffer: number, size: number, name: number, mode: number): number;
  _lua_resume(L: number, from: number, args: number, results: number): number;
  _lua_newthread(L: number): number;
  _lua_getglobal(L: number, name: number): number;
  _lua_tonumberx(L: number, index: number, isNumber: number): number;
  _lua_type(L: number, index: number): number;
  _lua_gettop(L: number): number;
  _lua_error(L: number): number;
  _luaL_ref(L: number, table: number): number;
  _luaL_unref(L: number, table: number, ref: number): void;
  _lua_rawgeti(L: number, table: number, n: bigint): number;
}

const LUA_TNUMBER = 3;
/** The host function's one upvalue: the id of the engine it belongs to. */
const ENGINE_ID = LUA_REGISTRYINDEX - 1;

/**
 * What every engine of a factory shares in the module: one allocator and one host function
 * (each WebAssembly function added compiles a small module), told apart by engine id.
 */
class LuaModule {
  readonly lua: LuaApi;
  readonly values: LuaValues;
  readonly engines = new Map<number, LuaEngine>();
  readonly allocator: number;
  readonly host: number;
  /** Where lua_resume writes how many values the coroutine yielded or returned. */
  readonly cell: number;
  private readonly names = new Map<string, number>();

  constructor(lua: LuaApi) {
    this.lua = lua;
    this.values = new LuaValues(lua);
    this.cell = lua._malloc(4);
    this.allocator = lua.addFunction((id, pointer, oldSize, newSize) => this.engines.get(id)!.allocate(pointer, oldSize, newSize), 'iiiii');
    this.host = lua.addFunction((L) => {
      const engine = this.engines.get(lua._lua_tonumberx(L, ENGINE_ID, 0));
      try {
        return engine ? engine.hostCall(L) : 0;
      } catch (error) {
        // Lua's own error (Emscripten's longjmp throws Infinity) goes on unwinding to its pcall.
        if (error === Infinity) throw error;
        // Raised into the script as a Lua error (lua_error unwinds past this frame).
        this.values.push(L, error instanceof Error ? error.message : String(error));
        return lua._lua_error(L);
      }
    }, 'ii');
  }

  /** A C string of `text`, made once. */
  name(text: string): number {
    let pointer = this.names.get(text);
    if (pointer === undefined) {
      const bytes = this.lua.lengthBytesUTF8(text) + 1;
      pointer = this.lua._malloc(bytes);
      this.lua.stringToUTF8(text, pointer, bytes);
      this.names.set(text, pointer);
    }
    return pointer;
  }

  /** Loads a chunk (text, or the host's own binary: scripts may load text only) onto L's stack. */
  load(L: number, chunk: Uint8Array, mode: 't' | 'b', chunkname = '=llmspell'): void {
    const lua = this.lua;
    const nameBytes = lua.lengthBytesUTF8(chunkname) + 1;
    const pointer = lua._malloc(chunk.length + nameBytes);
    try {
      lua.HEAPU8.set(chunk, pointer);
      lua.stringToUTF8(chunkname, pointer + chunk.length, nameBytes);
      this.check(L, lua._luaL_loadbufferx(L, pointer, chunk.length, pointer + chunk.length, this.name(mode)));
    } finally {
      lua._free(pointer);
    }
  }

  /** Throws the error at the top of L's stack unless `status` is LUA_OK or LUA_YIELD. */
  check(L: number, status: number): void {
    if (status === LuaReturn.Ok || status === LuaReturn.Yield) return;
    const message = this.lua._lua_tolstring(L, -1, 0) ? this.values.text(L, -1) : '(an error that is not a string)';
    this.lua._lua_settop(L, -2);
    throw new Error(message);
  }
}

let nextEngineId = 1;

class LuaEngine implements Engine {
  private runtime: SpellRuntime | undefined;
  private readonly module: LuaModule;
  private readonly id = nextEngineId++;
  /** The Lua state, and the coroutine the script will run in (made with the state, anchored on its stack). */
  private readonly L: number;
  private readonly main: number;
  /** The prelude's tool runner, in the registry: no script can move it, and reading it runs no metamethod. */
  private readonly toolRunner: number;
  private closed = false;
  /** Awaited bridge calls by id, until the main coroutine is resumed with their answer. */
  private readonly pending = new Map<number, Promise<CallAnswer>>();
  private nextId = 0;
  /** Bytes Lua holds, and the most it may (the run's memory limit; none while the engine is made). */
  private memoryUsed = 0;
  private memoryMax = Number.POSITIVE_INFINITY;
  /** Lua raised a memory error: the run fails with SpellMemoryLimit whatever the script does next. */
  private memoryHit = false;
  /** An allocation the limit refused (block, old size, new size), until Lua retries it (after an emergency collection) or gives up. */
  private refused: [number, number, number] | undefined;
  /** The script compiled ahead (see EngineFactory.create), in the registry. */
  private precompiled: { source: string; chunkname: string; ref: number } | undefined;

  /**
   * Makes a state with the standard libraries and runs the prelude (`chunk`: its compiled form,
   * see preludeChunk) with the host function, the only way out of the sandbox.
   */
  constructor(module: LuaModule, chunk: Uint8Array, ahead?: ScriptAhead) {
    this.module = module;
    const { lua } = module;
    module.engines.set(this.id, this);
    this.L = lua._lua_newstate(module.allocator, this.id);
    if (!this.L) {
      module.engines.delete(this.id);
      throw new Error('lua_newstate returned a null pointer');
    }
    const L = this.L;
    try {
      lua._luaL_openlibs(L);
      module.load(L, chunk, 'b');
      lua._lua_pushinteger(L, BigInt(this.id));
      lua._lua_pushcclosure(L, module.host, 1);
      module.check(L, lua._lua_pcallk(L, 1, 0, 0, 0, 0));
      lua._lua_getglobal(L, module.name('__llmspell_call_tool'));
      this.toolRunner = lua._luaL_ref(L, LUA_REGISTRYINDEX);
      // Left on the main stack, which anchors it; its function is the prelude's driver.
      this.main = lua._lua_newthread(L);
      lua._lua_getglobal(this.main, module.name('__llmspell_main'));
    } catch (error) {
      this.dispose();
      throw error;
    }
    if (ahead) {
      try {
        // Loaded as the driver loads a script (text only; its _ENV is the globals, as there).
        const chunkname = `@${ahead.fileName}`;
        module.load(L, new TextEncoder().encode(ahead.source), 't', chunkname);
        this.precompiled = { source: ahead.source, chunkname, ref: lua._luaL_ref(L, LUA_REGISTRYINDEX) };
      } catch {
        // A script that does not compile: its run reports why.
      }
    }
  }

  /**
   * Lua's allocator for this state, which also tells when Lua ran out of memory. Lua answers a
   * refused allocation with an emergency collection and the same request again; only when that
   * fails too (or is not retried) does it raise "not enough memory". A script can catch that
   * error (pcall, coroutine.resume, an error in a __close handler replacing it...); the flag
   * cannot be caught, so the prelude's pcall and the end of the run check it.
   */
  allocate(pointer: number, oldSize: number, newSize: number): number {
    const { lua } = this.module;
    if (newSize === 0) {
      if (pointer) {
        this.memoryUsed -= oldSize;
        lua._free(pointer);
      }
      return 0;
    }
    // For a new block Lua passes the object's type in oldSize: it holds nothing yet.
    const grows = pointer ? newSize - oldSize : newSize;
    if (grows > 0) {
      const refused = this.refused;
      const retry = refused !== undefined && refused[0] === pointer && refused[1] === oldSize && refused[2] === newSize;
      if (refused !== undefined && !retry) this.memoryHit = true; // Lua gave the refused one up
      if (this.memoryUsed + grows > this.memoryMax) {
        if (retry) this.memoryHit = true;
        this.refused = [pointer, oldSize, newSize];
        return 0;
      }
      this.refused = undefined;
    }
    const reallocated = lua._realloc(pointer, newSize);
    if (reallocated) this.memoryUsed += grows;
    return reallocated;
  }

  /** True once Lua has raised a memory error in this state. */
  private outOfMemory(): boolean {
    if (this.refused !== undefined) this.memoryHit = true;
    return this.memoryHit;
  }

  /**
   * The host function: reads its arguments (kind, payload) and pushes its results with Lua's C
   * API: a value, or nil and a status with its payload — 1 and an error, 2 and the id of work
   * to await.
   */
  hostCall(L: number): number {
    const { values, lua } = this.module;
    const kind = values.kind(L, 1);
    const payload = lua._lua_gettop(L) > 1 ? values.text(L, 2) : '';
    const runtime = this.runtime;
    if (!runtime) return this.answer(L, { status: 'error', error: { type: 'NotSupported', message: 'no run in progress' } });
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
        return this.answer(L, runtime.hostCall(kind, payload));
    }
  }

  private answer(L: number, a: CallAnswer): number {
    const { values } = this.module;
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
  }

  async run(request: RunRequest, runtime: SpellRuntime): Promise<void> {
    this.runtime = runtime;
    this.memoryMax = request.limits.memoryLimitBytes;
    const { values } = this.module;
    const thread = this.main;
    const chunkname = `@${request.fileName}`;
    const ahead = this.precompiled;
    this.precompiled = undefined;
    // Taken only where the source itself would have fit under the run's limit; either way the
    // registry lets go of it (one not taken is garbage, collected before any allocation fails).
    const compiledAhead = ahead?.source === request.source && ahead.chunkname === chunkname && this.memoryUsed + 3 * request.source.length <= this.memoryMax;
    if (ahead) {
      if (compiledAhead) this.module.lua._lua_rawgeti(thread, LUA_REGISTRYINDEX, BigInt(ahead.ref));
      this.module.lua._luaL_unref(this.L, LUA_REGISTRYINDEX, ahead.ref);
    }
    // Under the script's memory limit, protected: a source or input larger than the limit fails
    // the run (unprotected, Lua's out-of-memory error aborted the thread's whole WebAssembly module).
    const texts = [['source', request.source], ['file name', chunkname], ['input', request.input ?? null], ['id', request.spell.id]] as const;
    for (const [what, value] of texts) {
      // The script compiled ahead goes in place of its source (the driver takes either).
      if (what === 'source' && compiledAhead) continue;
      if (!values.pushProtected(this.L, thread, value)) {
        runtime.finish({ ok: false, error: { type: 'SpellMemoryLimit', message: `the spell's ${what} takes more memory than the script's limit of ${request.limits.memoryLimitBytes} bytes` } });
        return;
      }
    }
    // Numbers: no allocation (the coroutine's stack has room for the driver's 8 arguments).
    for (const arg of [request.spell.attempt, request.spell.startedAtMs, request.limits.outputLimitBytes, request.limits.memoryLimitBytes]) {
      values.push(thread, arg);
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
   * coroutine is resumed with (status, payload) once it settles.
   */
  private async drive(thread: number, argCount: number): Promise<string> {
    const { lua, values, cell } = this.module;
    const resume = (args: number): number => lua._lua_resume(thread, 0, args, cell);
    let status = resume(argCount);
    while (status === LuaReturn.Yield) {
      const results = new DataView(lua.HEAPU8.buffer).getInt32(cell, true);
      const id = results > 0 && lua._lua_type(thread, -1) === LUA_TNUMBER ? lua._lua_tonumberx(thread, -1, 0) : undefined;
      lua._lua_settop(thread, -results - 1);
      const pending = id === undefined ? undefined : this.pending.get(id);
      let answer: CallAnswer;
      if (pending) {
        this.pending.delete(id!);
        answer = await pending;
        // Work that settles into more work (never in practice) is awaited here too.
        while (answer.status === 'async') answer = await answer.promise;
        if (this.closed) throw new Error('the engine was disposed while the script waited');
      } else {
        answer = { status: 'error', error: { type: 'NotSupported', message: 'coroutine.yield outside a coroutine is not supported' } };
      }
      values.push(thread, answer.status === 'ok' ? 0 : 1);
      // A result too large for the script's memory ends the run (run() reports the limit).
      if (!values.pushProtected(this.L, thread, answer.status === 'ok' ? answer.value : (answer.error as unknown as Json))) {
        this.memoryHit = true;
        throw new Error('not enough memory');
      }
      status = resume(2);
    }
    this.module.check(thread, status);
    return values.text(thread, -1);
  }

  resume(request: RunRequest): void {
    this.memoryMax = request.limits.memoryLimitBytes;
  }

  callTool(name: string, args: Json): EffectResult {
    const { lua, values } = this.module;
    const L = this.L;
    const top = lua._lua_gettop(L);
    try {
      lua._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(this.toolRunner));
      // Under the script's memory limit: protected, so running out is an error, not an abort.
      if (!values.pushProtected(L, L, name) || !values.pushProtected(L, L, JSON.stringify(args))) {
        this.memoryHit = true;
        return { ok: false, error: { type: 'SpellMemoryLimit', message: `tool "${name}": its arguments take more memory than the script's limit` } };
      }
      this.module.check(L, lua._lua_pcallk(L, 2, 1, 0, 0, 0));
      return JSON.parse(values.text(L, -1)) as EffectResult;
    } finally {
      lua._lua_settop(L, top);
    }
  }

  heapBytes(): number {
    return this.module.lua.HEAPU8.byteLength;
  }

  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.runtime = undefined;
    this.module.lua._lua_close(this.L);
    this.module.engines.delete(this.id);
  }
}

/**
 * The prelude compiled once (string.dump, debug information kept): parsing its source took
 * about two thirds of making an engine, which happens once per run. The dump's bytes are
 * copied out of Lua's memory (as hex through Lua, they took ~0.1 s of each thread's start).
 */
function preludeChunk(module: LuaModule): Uint8Array {
  const { lua, values } = module;
  const L = lua._luaL_newstate();
  try {
    lua._luaL_openlibs(L);
    module.load(L, new TextEncoder().encode('return string.dump(assert(load(..., "=llmspell", "t")))'), 't');
    values.push(L, LUA_PRELUDE);
    module.check(L, lua._lua_pcallk(L, 1, 1, 0, 0, 0));
    return values.bytesAt(L, -1);
  } finally {
    lua._lua_close(L);
  }
}

export class LuaEngineFactory implements EngineFactory {
  private readonly factory = new LuaFactory();
  private module: LuaModule | undefined;
  private chunk: Uint8Array | undefined;

  async create(_memoryLimitBytes?: number, ahead?: ScriptAhead): Promise<Engine> {
    this.module ??= new LuaModule((await this.factory.getLuaModule()).module as unknown as LuaApi);
    this.chunk ??= preludeChunk(this.module);
    return new LuaEngine(this.module, this.chunk, ahead);
  }
}
