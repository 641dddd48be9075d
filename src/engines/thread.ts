/**
 * Entry point of an engine host: a worker thread or a child process (see the engine's
 * descriptor). A thread runs one spell execution at a time; a process may run several at
 * once, each in its own engine (V8 isolate), interleaved while they await effects. A fresh
 * engine is kept ready for the next run so no run pays a cold start.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Engine, ScriptAhead } from './engine.ts';
import { keptRunKey, type FromThread, type ToThread } from './protocol.ts';
import type { EffectResult, RunRequest, RuntimeHost } from '../runtime/protocol.ts';
import { SpellRuntime } from '../runtime/runtime.ts';
import { engineNamed } from './registry.ts';

interface Port {
  postMessage(message: FromThread): void;
  on(event: 'message', listener: (message: ToThread) => void): void;
}
const port: Port = parentPort ?? {
  postMessage: (message) => process.send!(message),
  on: (_event, listener) => process.on('message', listener as (message: unknown) => void),
};
// A child process ends with its parent.
if (!parentPort) process.on('disconnect', () => process.exit(0));
const given = parentPort
  ? (workerData as { engine: string; data: Record<string, unknown>; keep: boolean })
  : { engine: process.env.LLMSPELL_ENGINE!, data: {}, keep: process.env.LLMSPELL_KEEP_RUNS !== '0' };
/** Runs this host may hold at once (a process hosting several isolates); threads hold one. */
const capacity = parentPort ? 1 : Number(process.env.LLMSPELL_RUNS ?? 1);
const factory = await engineNamed(given.engine).factory(given.data);

const post = (message: FromThread) => port.postMessage(message);
/** Effects awaited by the runs, by call id; each run's own are dropped when it ends. */
const pendingEffects = new Map<number, { run: number; resolve: (result: EffectResult) => void }>();
let nextCallId = 0;
/** The engine the next run takes, made ahead of time. */
let warm: Promise<Engine> | undefined = factory.create();
/**
 * The last run's script, which engines made from now on compile ahead (see EngineFactory):
 * a spell's next step most likely runs it again. Only one of up to SCRIPT_AHEAD_MAX_CHARS:
 * compiling a large one ahead would take memory and time no run asked for.
 */
let lastScript: ScriptAhead | undefined;
const SCRIPT_AHEAD_MAX_CHARS = 64 * 1024;

const runs = new Map<number, { engine: Engine; runtime: SpellRuntime; timeoutMs: number }>();

interface KeptRun {
  engine: Engine;
  runtime: SpellRuntime;
  /** The engine's run of the script, pending while the script waits at its boundary. */
  running: Promise<void>;
}
/**
 * Runs stopped at a boundary, with their engines, by run and chain (keptRunKey): the run's next
 * execution, if it comes here, takes the script up where it stopped instead of re-executing it
 * from the top (SpellRuntime.resume). Least recently kept first; with the runs in progress and
 * starting they are never more than the runs the host runs at once (besides the engine made
 * ahead for the next run).
 */
const kept = new Map<string, KeptRun>();
/** Runs taking an engine (see run): counted with the runs in progress when kept runs make way. */
let starting = 0;
const keepRuns = given.keep !== false;

port.on('message', (message: ToThread) => {
  switch (message.type) {
    case 'toolCall': {
      const current = runs.get(message.id);
      const result: EffectResult = current
        ? current.runtime.inScriptTool(() => current.engine.callTool(message.name, message.args))
        : { ok: false, error: { type: 'NotSupported', message: 'no run in progress' } };
      post({ type: 'toolResult', id: message.id, callId: message.callId, result });
      return;
    }
    case 'effectResult': {
      const pending = pendingEffects.get(message.callId);
      pendingEffects.delete(message.callId);
      pending?.resolve(message.result);
      return;
    }
    case 'cancel': {
      const current = runs.get(message.id);
      if (!current) return; // already answered
      const left = current.engine.cpuTimeLeftMs?.();
      if (!message.force && left !== undefined && left > 0) {
        post({ type: 'extend', id: message.id, ms: left });
        return;
      }
      current.runtime.fatal({ type: 'SpellTimeout', message: `the script ran longer than its time limit of ${current.timeoutMs} ms` });
      return;
    }
    case 'run':
      void run(message.id, message.request);
  }
});

/** The ready engine, or a new one; a host holding several runs starts making the next one now. */
async function take(limit: number): Promise<Engine> {
  // Taken before any await: runs starting together never share an engine.
  const ready = warm ?? factory.create();
  warm = undefined;
  if (capacity > 1) rewarm();
  let engine = await ready;
  if (engine.fixedMemoryLimitBytes !== undefined && engine.fixedMemoryLimitBytes !== limit) {
    engine.dispose();
    engine = await factory.create(limit, lastScript);
  }
  return engine;
}

/** Makes the next engine once the host is idle (after answering, so no run waits on it). */
function rewarm(): void {
  warm ??= new Promise((resolve) => setImmediate(resolve)).then(() => factory.create(undefined, lastScript));
}

async function run(id: number, request: RunRequest): Promise<void> {
  const key = keptRunKey(request);
  const host: RuntimeHost = {
    effect: (effect) =>
      new Promise((resolve) => {
        const callId = nextCallId++;
        pendingEffects.set(callId, { run: id, resolve });
        post({ type: 'effect', id, callId, effect });
      }),
    started: (call) => post({ type: 'started', id, call }),
    completed: (seq, done) => post({ type: 'completed', id, seq, ...done }),
  };
  const held = kept.get(key);
  kept.delete(key);
  const resumed = held !== undefined && held.runtime.resume(request, host);
  let current: KeptRun;
  if (resumed) {
    current = held;
    current.engine.resume(request);
  } else {
    if (held) drop(held.engine);
    // Room for this run's engine: a kept run makes way (oldest first).
    for (const [other, run] of kept) {
      if (kept.size + runs.size + starting < capacity) break;
      kept.delete(other);
      drop(run.engine);
    }
    lastScript = request.source.length <= SCRIPT_AHEAD_MAX_CHARS ? { fileName: request.fileName, source: request.source } : undefined;
    starting++;
    const engine = await take(request.limits.memoryLimitBytes).finally(() => starting--);
    const runtime = new SpellRuntime(request, host);
    current = { engine, runtime, running: engine.run(request, runtime) };
  }
  const { engine, runtime } = current;
  runs.set(id, { engine, runtime, timeoutMs: request.limits.timeoutMs });
  await Promise.race([current.running, runtime.stoppedAt]);
  // The script may have returned while effects it did not await finish (see SpellRuntime.stop).
  const outcome = await runtime.stoppedAt;
  runs.delete(id);
  const keep = keepRuns && outcome.next.type === 'boundary' && runtime.resumable;
  if (keep) {
    // Another execution of this run and chain kept here (a stale attempt's) makes way.
    const other = kept.get(key);
    if (other) drop(other.engine);
    kept.set(key, current);
  }
  // Answer first; the engine is disposed (and the next one made) while the host is idle.
  post({ type: 'outcome', id, outcome, memoryUsedBytes: engine.heapBytes(), resumed, replayed: runtime.replayed, kept: [...kept.keys()] });
  for (const [callId, pending] of pendingEffects) if (pending.run === id) pendingEffects.delete(callId);
  if (!keep) drop(engine);
  else if (capacity === 1) setImmediate(rewarm);
}

/** Disposes of an engine once the host is idle, and makes the next one. */
function drop(engine: Engine): void {
  setImmediate(() => {
    engine.dispose();
    rewarm();
  });
}

warm.then(
  () => post({ type: 'ready' }),
  (error: unknown) => {
    throw error;
  },
);
