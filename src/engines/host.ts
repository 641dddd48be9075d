/**
 * Engine threads and processes, on the activity's side. Scripts run where the host can stop
 * them: Lua pattern matching and Tengo loops cannot be interrupted from inside, so their
 * threads are terminated at the limit; a thread holding a V8 isolate aborts the whole process
 * when terminated, so JavaScript runs in a child process that can always be killed.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Json } from '../journal/types.ts';
import type { RunOutcome } from '../contract/run.ts';
import type { Checkpoint, EffectRequest, EffectResult, RunRequest } from '../runtime/protocol.ts';
import type { EngineDescriptor } from './engine.ts';
import type { FromThread, ToThread } from './protocol.ts';

/** What a run needs from the activity while it executes. */
export interface RunHandlers {
  /** Carries out an effect; `callScriptTool` runs a tool the script defined, in the engine. */
  effect(request: EffectRequest, callScriptTool: (name: string, args: Json) => Promise<EffectResult>): Promise<EffectResult>;
  checkpoint(checkpoint: Checkpoint): void;
  signal?: AbortSignal;
}

const hostFile = fileURLToPath(new URL(`./thread${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/** The common face of a worker thread and a child process running `thread.ts`. */
interface EngineHost {
  postMessage(message: ToThread): void;
  on(event: 'message', listener: (message: FromThread) => void): void;
  on(event: 'exit', listener: (code: number | null) => void): void;
  on(event: 'error', listener: (error: Error & { code?: string }) => void): void;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  off(event: string, listener: (...args: any[]) => void): void;
  once(event: 'exit', listener: (code: number | null) => void): void;
  once(event: 'error', listener: (error: Error & { code?: string }) => void): void;
  terminate(): Promise<unknown>;
  /** Keeps this process alive while a run (or start-up) waits on the host; idle hosts do not. */
  ref(): void;
  unref(): void;
}

class ProcessHost extends EventEmitter implements EngineHost {
  private readonly child: ChildProcess;

  constructor(engine: string) {
    super();
    this.child = fork(hostFile, [], {
      execArgv: ['--no-node-snapshot', '--disable-warning=ExperimentalWarning', '--max-old-space-size=512'],
      serialization: 'advanced',
      // Only what Node needs: no API keys or other secrets in the process that hosts sandboxes.
      // TZ=UTC: a script's local time (Date, Intl) is UTC whatever the machine's zone.
      env: { PATH: process.env.PATH ?? '', LLMSPELL_ENGINE: engine, TZ: 'UTC' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (message) => this.emit('message', message));
    this.child.on('exit', (code) => this.emit('exit', code));
    this.child.on('error', (error) => this.emit('error', error));
  }

  ref(): void {
    this.child.ref();
    this.child.channel?.ref();
  }

  unref(): void {
    this.child.unref();
    this.child.channel?.unref();
  }

  postMessage(message: ToThread): void {
    this.child.send(message);
  }

  async terminate(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.ref();
    this.child.kill('SIGKILL');
    await exited;
  }
}

/** Data each engine's threads get, made once per process (Tengo's compiled program). */
const threadData = new Map<string, Record<string, unknown>>();

function startHost(engine: EngineDescriptor): EngineHost {
  if (engine.placement === 'process') return new ProcessHost(engine.name);
  let data = threadData.get(engine.name);
  if (!data) threadData.set(engine.name, (data = engine.threadData?.() ?? {}));
  // The V8 heap of the thread holds only the bridge; the script's heap is WebAssembly memory.
  return new Worker(hostFile, { workerData: { engine: engine.name, data }, resourceLimits: { maxOldGenerationSizeMb: 512 } }) as unknown as EngineHost;
}

/** One engine thread (or process), running one execution at a time. */
export class EngineThread {
  readonly worker: EngineHost;
  readonly ready: Promise<void>;
  private nextRunId = 0;
  private readonly graceMs: number;
  dead = false;

  constructor(engine: EngineDescriptor) {
    this.graceMs = engine.graceMs;
    this.worker = startHost(engine);
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (message: FromThread) => {
        if (message.type !== 'ready') return;
        this.worker.off('message', onMessage);
        this.worker.unref();
        resolve();
      };
      this.worker.on('message', onMessage);
      this.worker.once('error', reject);
      this.worker.once('exit', () => {
        this.dead = true;
        reject(new Error('engine thread exited during start-up'));
      });
    });
    this.ready.catch(() => {});
  }

  /** Runs one execution; the watchdog counts only the time the script itself runs. */
  run(request: RunRequest, handlers: RunHandlers): Promise<{ outcome: RunOutcome; heapBytes: number }> {
    const id = this.nextRunId++;
    return new Promise((resolve, reject) => {
      let watchdog: NodeJS.Timeout | undefined;
      let budgetMs = request.limits.timeoutMs + this.graceMs;
      let resumedAt = 0;
      // Starts from the checkpoint this attempt resumed from: replayed effects are not reported again.
      const toolCalls = new Map<number, (result: EffectResult) => void>();
      let nextToolCall = 0;
      let checkpoint: Checkpoint | undefined = request.checkpoint && {
        ...request.checkpoint,
        children: [...request.checkpoint.children],
      };
      const startClock = () => {
        resumedAt = performance.now();
        watchdog = setTimeout(onTimeout, Math.max(0, budgetMs));
      };
      const stopClock = () => {
        clearTimeout(watchdog);
        budgetMs -= performance.now() - resumedAt;
      };
      const finish = () => {
        this.worker.unref();
        clearTimeout(watchdog);
        this.worker.off('message', onMessage);
        this.worker.off('exit', onExit);
        this.worker.off('error', onError);
        handlers.signal?.removeEventListener('abort', onAbort);
      };
      const kill = () => {
        this.dead = true;
        void this.worker.terminate();
      };
      const failWith = (type: string, message: string) => {
        finish();
        kill();
        resolve({
          outcome: { entries: [], events: [], logs: [], stateOps: [], calls: 0, next: { type: 'failed', error: { type, message } } },
          heapBytes: 0,
        });
      };
      const onTimeout = () =>
        failWith('SpellTimeout', `the script ran longer than its time limit of ${request.limits.timeoutMs} ms`);
      const onAbort = () => {
        finish();
        kill();
        reject(handlers.signal?.reason ?? new Error('run cancelled'));
      };
      const onError = (error: Error & { code?: string }) => {
        finish();
        kill();
        if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
          failWith('SpellMemoryLimit', 'the engine thread ran out of memory');
        } else {
          reject(error);
        }
      };
      const onExit = (code: number | null) => {
        finish();
        this.dead = true;
        reject(new Error(`engine thread exited unexpectedly (exit code ${code})`));
      };
      const onMessage = (message: FromThread) => {
        if (!('id' in message) || message.id !== id) return;
        switch (message.type) {
          case 'effect':
            stopClock();
            handlers.effect(message.effect, (name, args) => {
              // The script runs again while its tool does: the watchdog counts it.
              const callId = nextToolCall++;
              startClock();
              this.post({ type: 'toolCall', id, callId, name, args });
              return new Promise((resolveTool) => toolCalls.set(callId, resolveTool));
            }).then(
              (result) => {
                startClock();
                this.post({ type: 'effectResult', id, callId: message.callId, result });
              },
              (error: unknown) => {
                // The activity decided this attempt cannot go on (e.g. a retryable provider failure).
                finish();
                kill();
                reject(error);
              },
            );
            break;
          case 'toolResult':
            stopClock();
            toolCalls.get(message.callId)?.(message.result);
            toolCalls.delete(message.callId);
            break;
          case 'started':
            if (checkpoint?.seq !== message.call.seq) checkpoint = { seq: message.call.seq, children: [] };
            checkpoint.call = message.call;
            handlers.checkpoint(checkpoint);
            break;
          case 'completed':
            if (checkpoint?.seq !== message.seq) checkpoint = { seq: message.seq, children: [] };
            if (message.entry) checkpoint.entry = message.entry;
            if (message.child) checkpoint.children.push(message.child);
            delete checkpoint.effect; // the effect that had progress of its own is complete
            delete checkpoint.live;
            handlers.checkpoint(checkpoint);
            break;
          case 'outcome':
            finish();
            resolve({ outcome: message.outcome, heapBytes: message.memoryUsedBytes });
            break;
        }
      };
      this.worker.on('message', onMessage);
      this.worker.once('exit', onExit);
      this.worker.once('error', onError);
      handlers.signal?.addEventListener('abort', onAbort);
      this.worker.ref();
      this.post({ type: 'run', id, request });
      startClock();
    });
  }

  private post(message: ToThread): void {
    this.worker.postMessage(message);
  }
}
