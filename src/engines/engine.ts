import type { SpellRuntime } from './runtime.ts';
import type { EffectResult, RunRequest } from './protocol.ts';
import type { Json } from '../journal/types.ts';

/**
 * One engine instance, used for one run and then disposed. Every engine lives in
 * `src/engines/<name>/` and runs inside an engine worker thread.
 */
export interface Engine {
  /** Runs the script from the top; returns once it finished (`runtime.finish`) or the runtime stopped it. */
  run(request: RunRequest, runtime: SpellRuntime): Promise<void>;
  /** Set when the memory limit is fixed at creation (V8 isolates): a run with another limit needs a new engine. */
  readonly fixedMemoryLimitBytes?: number;
  /** Runs a script-defined tool (tool.define) synchronously while the script awaits an effect. */
  callTool(name: string, args: Json): EffectResult;
  /** Bytes the engine's heap holds now (the WebAssembly heap never shrinks: used to recycle threads). */
  heapBytes(): number;
  dispose(): void;
}

/** Creates engines of one kind; `create` is called ahead of time so a run never pays a cold start. */
export interface EngineFactory {
  create(memoryLimitBytes?: number): Promise<Engine>;
}
