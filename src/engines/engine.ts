import type { SpellRuntime } from '../runtime/runtime.ts';
import type { EffectResult, RunRequest } from '../runtime/protocol.ts';
import type { Json } from '../journal/types.ts';

/**
 * One engine instance, used for one run and then disposed (a run stopped at a boundary may be
 * kept and taken up by its next execution first, see thread.ts). Every engine lives in
 * `src/engines/<name>/` and runs inside an engine thread (or process).
 */
export interface Engine {
  /** Runs the script from the top; returns once it finished (`runtime.finish`) or the runtime stopped it. */
  run(request: RunRequest, runtime: SpellRuntime): Promise<void>;
  /** Set when the memory limit is fixed at creation (V8 isolates): a run with another limit needs a new engine. */
  readonly fixedMemoryLimitBytes?: number;
  /**
   * The run this engine holds stopped at a boundary and is taken up by its next execution
   * (SpellRuntime.resume): the limits of one execution (time, memory) start again from `request`.
   */
  resume(request: RunRequest): void;
  /** Runs a script-defined tool (tool.define) synchronously while the script awaits an effect. */
  callTool(name: string, args: Json): EffectResult;
  /**
   * CPU time the script has left under its limit, for engines that count CPU time themselves
   * (V8 isolates): several runs share one process, so wall time can run out before CPU time.
   */
  cpuTimeLeftMs?(): number;
  /** Bytes the engine's heap holds now (the WebAssembly heap never shrinks: used to recycle threads). */
  heapBytes(): number;
  dispose(): void;
}

/** A script the host expects the next run to run: the last run's (a spell runs again at every step). */
export interface ScriptAhead {
  fileName: string;
  source: string;
}

/** Creates engines of one kind; `create` is called ahead of time so a run never pays a cold start. */
export interface EngineFactory {
  /**
   * `ahead`: a script an engine may compile while the host is idle; the run takes that code
   * only if its own file name and source are the same.
   */
  create(memoryLimitBytes?: number, ahead?: ScriptAhead): Promise<Engine>;
}

/** What the engine registry knows of an engine: its folder exports one of these. */
export interface EngineDescriptor {
  /** The engine's name in workflow inputs and `--engine`. */
  name: string;
  /** Other names `--engine` accepts. */
  aliases: readonly string[];
  /** File extensions of its spells; the first is the usual one. */
  extensions: readonly string[];
  /**
   * Where it runs: a worker thread the pool terminates at the time limit, or a child process
   * it kills (a thread holding a V8 isolate cannot be terminated safely).
   */
  placement: 'thread' | 'process';
  /** Time past the limit before the host kills it (engines that stop themselves first get some). */
  graceMs: number;
  /** Data every thread of this engine gets from the pool (made once per process). */
  threadData?(): Record<string, unknown>;
  /** The factory, loaded only inside engine threads. */
  factory(threadData: Record<string, unknown>): Promise<EngineFactory>;
}
