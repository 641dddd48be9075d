/** The Lua engine: Lua 5.4 in WebAssembly (wasmoon), one fresh Lua state per run. */
import { LuaFactory, LuaMultiReturn, type LuaEngine as WasmoonEngine } from 'wasmoon';
import type { Json, SpellErrorData } from '../../journal/types.ts';
import type { Engine, EngineFactory } from '../engine.ts';
import type { RunRequest } from '../protocol.ts';
import type { CallAnswer, SpellRuntime } from '../runtime.ts';
import { LUA_PRELUDE } from './prelude.ts';
import { toLua } from './conversion.ts';

type Outcome = { ok: true; value: Json } | { ok: false; error: SpellErrorData };

class LuaEngine implements Engine {
  private runtime: SpellRuntime | undefined;
  private readonly lua: WasmoonEngine;

  constructor(lua: WasmoonEngine) {
    this.lua = lua;
  }

  /** Loads the prelude: the host function is the only way out of the sandbox. */
  init(): void {
    const host = (kind: string, payload: string): unknown => {
      const runtime = this.runtime;
      if (!runtime) return answer({ status: 'error', error: { type: 'NotSupported', message: 'no run in progress' } });
      switch (kind) {
        case 'spell.now':
          return runtime.nowMs;
        case 'spell.random':
          return runtime.random();
        case 'step.end':
          return answer(runtime.endStep(JSON.parse(payload) as Outcome));
        case 'state.get':
        case 'state.delete':
          return answer(runtime.call(kind, { key: payload }));
        default:
          return answer(runtime.call(kind, JSON.parse(payload) as Json));
      }
    };
    const global = this.lua.global;
    global.loadString(LUA_PRELUDE, '=llmspell');
    global.pushValue(host);
    global.runSync(1);
    global.setTop(0);
  }

  async run(request: RunRequest, runtime: SpellRuntime): Promise<void> {
    this.runtime = runtime;
    this.lua.global.setMemoryMax(request.limits.memoryLimitBytes);
    const thread = this.lua.global.newThread();
    thread.loadString('return __llmspell_main(...)', '=llmspell');
    for (const arg of [
      request.source,
      `@${request.fileName}`,
      toLua(request.input),
      request.spell.id,
      request.spell.attempt,
      request.spell.startedAtMs,
      request.limits.outputLimitBytes,
      request.limits.memoryLimitBytes,
    ]) {
      thread.pushValue(arg);
    }
    let text: string;
    try {
      const result = await thread.run(8);
      text = result[0] as string;
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
    runtime.finish(JSON.parse(text) as Outcome);
  }

  heapBytes(): number {
    return this.lua.global.lua.module.HEAPU8.byteLength;
  }

  dispose(): void {
    this.runtime = undefined;
    this.lua.global.close();
  }
}

/** Several values returned to Lua at once: (status, payload). */
const values = (...items: unknown[]): LuaMultiReturn => LuaMultiReturn.of(...items) as LuaMultiReturn;

/** A plain value when the call succeeded; otherwise a function the prelude calls for (status, payload). */
function answer(a: CallAnswer): unknown {
  return a.status === 'ok' ? toLua(a.value) : () => settled(a);
}

function settled(a: CallAnswer): LuaMultiReturn {
  switch (a.status) {
    case 'ok':
      return values(0, toLua(a.value));
    case 'error':
      return values(1, a.error);
    case 'async':
      return values(2, a.promise.then(settled));
  }
}

export class LuaEngineFactory implements EngineFactory {
  private readonly factory = new LuaFactory();

  async create(): Promise<Engine> {
    const lua = await this.factory.createEngine({
      enableProxy: false,
      injectObjects: false,
      traceAllocations: true,
      openStandardLibs: true,
    });
    const engine = new LuaEngine(lua);
    engine.init();
    return engine;
  }
}
