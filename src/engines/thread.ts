/**
 * Entry point of an engine host: a worker thread or a child process (see the engine's
 * descriptor). Runs one spell execution at a time; keeps a fresh engine ready for the next
 * one so no run pays a cold start.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Engine } from './engine.ts';
import type { FromThread, ToThread } from './protocol.ts';
import type { EffectResult, RunRequest } from '../runtime/protocol.ts';
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
const given = parentPort ? (workerData as { engine: string; data: Record<string, unknown> }) : { engine: process.env.LLMSPELL_ENGINE!, data: {} };
const factory = await engineNamed(given.engine).factory(given.data);

const post = (message: FromThread) => port.postMessage(message);
const pendingEffects = new Map<number, (result: EffectResult) => void>();
let nextCallId = 0;
let warm: Promise<Engine> = factory.create();

let current: { id: number; engine: Engine; runtime: SpellRuntime } | undefined;

port.on('message', (message: ToThread) => {
  if (message.type === 'toolCall') {
    const result: EffectResult =
      current?.id === message.id
        ? current.runtime.inScriptTool(() => current!.engine.callTool(message.name, message.args))
        : { ok: false, error: { type: 'NotSupported', message: 'no run in progress' } };
    post({ type: 'toolResult', id: message.id, callId: message.callId, result });
    return;
  }
  if (message.type === 'effectResult') {
    const resolve = pendingEffects.get(message.callId);
    pendingEffects.delete(message.callId);
    resolve?.(message.result);
    return;
  }
  void run(message.id, message.request);
});

async function run(id: number, request: RunRequest): Promise<void> {
  let engine = await warm;
  const limit = request.limits.memoryLimitBytes;
  if (engine.fixedMemoryLimitBytes !== undefined && engine.fixedMemoryLimitBytes !== limit) {
    engine.dispose();
    engine = await factory.create(limit);
  }
  const runtime = new SpellRuntime(request, {
    effect: (effect) =>
      new Promise((resolve) => {
        const callId = nextCallId++;
        pendingEffects.set(callId, resolve);
        post({ type: 'effect', id, callId, effect });
      }),
    started: (call) => post({ type: 'started', id, call }),
    completed: (seq, done) => post({ type: 'completed', id, seq, ...done }),
  });
  current = { id, engine, runtime };
  await Promise.race([engine.run(request, runtime), runtime.stoppedAt]);
  current = undefined;
  const outcome = await runtime.stoppedAt;
  // Answer first; the next warm engine is made while the host is busy elsewhere.
  post({ type: 'outcome', id, outcome, memoryUsedBytes: engine.heapBytes() });
  pendingEffects.clear();
  warm = new Promise((resolve) => setImmediate(resolve)).then(() => {
    engine.dispose();
    return factory.create();
  });
}

warm.then(
  () => post({ type: 'ready' }),
  (error: unknown) => {
    throw error;
  },
);
