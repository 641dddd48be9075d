/**
 * Engine worker threads, on the activity's side. Scripts run in threads the host can
 * terminate: Lua pattern matching and tight loops cannot be interrupted from inside.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Json } from '../journal/types.ts';
import type {
  Checkpoint,
  EffectRequest,
  EffectResult,
  EngineName,
  FromThread,
  RunOutcome,
  RunRequest,
  ToThread,
} from './protocol.ts';
import { tengoModule } from './tengo/wasm.ts';

/** Options of an {@link EnginePool}. */
export interface EnginePoolOptions {
  /** Most threads per engine kind; runs beyond that wait for a free thread. Default 16. */
  maxThreadsPerEngine?: number;
  /** A thread whose engine heap grew past this is replaced after its run. Default 256 MiB. */
  recycleAboveBytes?: number;
}

/** What a run needs from the activity while it executes. */
export interface RunHandlers {
  /** Carries out an effect; `callScriptTool` runs a tool the script defined, in the engine. */
  effect(request: EffectRequest, callScriptTool: (name: string, args: Json) => Promise<EffectResult>): Promise<EffectResult>;
  checkpoint(checkpoint: Checkpoint): void;
  signal?: AbortSignal;
}

/**
 * Where each engine runs and how it is stopped when a script overruns. Lua runs in a
 * worker thread, terminated at the limit (pattern matching is uninterruptible C); so does
 * Tengo (its VM has no preemption). V8
 * isolates stop themselves through isolated-vm timeouts, but a thread holding one aborts
 * the whole process when terminated, and an isolate thrashing at its heap limit can
 * ignore both its timeout and its memory limit: JavaScript runs in a child process, which
 * can always be killed, after a grace period past the limit.
 */
const PLACEMENT: Record<EngineName, { process: boolean; graceMs: number }> = {
  lua: { process: false, graceMs: 0 },
  javascript: { process: true, graceMs: 1000 },
  tengo: { process: false, graceMs: 0 },
};

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

  constructor(engine: EngineName) {
    super();
    this.child = fork(hostFile, [], {
      execArgv: ['--no-node-snapshot', '--disable-warning=ExperimentalWarning', '--max-old-space-size=512'],
      serialization: 'advanced',
      // Only what Node needs: no API keys or other secrets in the process that hosts sandboxes.
      env: { PATH: process.env.PATH ?? '', LLMSPELL_ENGINE: engine },
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

function startHost(engine: EngineName): EngineHost {
  if (PLACEMENT[engine].process) return new ProcessHost(engine);
  // The V8 heap of the thread holds only the bridge; the script's heap is WebAssembly memory.
  // Tengo threads share one compiled program.
  const workerData = engine === 'tengo' ? { engine, tengoModule: tengoModule() } : { engine };
  return new Worker(hostFile, { workerData, resourceLimits: { maxOldGenerationSizeMb: 512 } }) as unknown as EngineHost;
}

class EngineThread {
  readonly worker: EngineHost;
  readonly ready: Promise<void>;
  private nextRunId = 0;
  private readonly graceMs: number;
  dead = false;

  constructor(engine: EngineName) {
    this.graceMs = PLACEMENT[engine].graceMs;
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

/** Pooled engine threads per engine kind. */
export class EnginePool {
  private readonly idle = new Map<EngineName, EngineThread[]>();
  private readonly counts = new Map<EngineName, number>();
  private readonly waiting = new Map<EngineName, Array<(thread: EngineThread) => void>>();
  private readonly maxThreads: number;
  private readonly recycleAboveBytes: number;
  private closed = false;

  constructor(options: EnginePoolOptions = {}) {
    this.maxThreads = options.maxThreadsPerEngine ?? 16;
    this.recycleAboveBytes = options.recycleAboveBytes ?? 256 * 1024 * 1024;
  }

  /** Starts one thread per engine ahead of the first run. */
  async warm(engines: EngineName[]): Promise<void> {
    await Promise.all(
      engines.map(async (engine) => {
        const thread = this.spawn(engine);
        await thread.ready;
        this.release(engine, thread);
      }),
    );
  }

  async run(request: RunRequest, handlers: RunHandlers): Promise<RunOutcome> {
    const thread = await this.acquire(request.engine);
    try {
      const { outcome, heapBytes } = await thread.run(request, handlers);
      if (heapBytes > this.recycleAboveBytes) {
        thread.dead = true;
        void thread.worker.terminate();
      }
      return outcome;
    } finally {
      this.release(request.engine, thread);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.idle.values()].flat();
    this.idle.clear();
    await Promise.all(all.map((thread) => thread.worker.terminate()));
  }

  private spawn(engine: EngineName): EngineThread {
    this.counts.set(engine, (this.counts.get(engine) ?? 0) + 1);
    const thread = new EngineThread(engine);
    thread.worker.once('exit', () => this.counts.set(engine, (this.counts.get(engine) ?? 1) - 1));
    return thread;
  }

  private async acquire(engine: EngineName): Promise<EngineThread> {
    const idle = this.idle.get(engine) ?? [];
    let thread = idle.pop();
    while (thread?.dead) thread = idle.pop();
    if (!thread) {
      if ((this.counts.get(engine) ?? 0) >= this.maxThreads) {
        thread = await new Promise<EngineThread>((resolve) => {
          const queue = this.waiting.get(engine) ?? [];
          queue.push(resolve);
          this.waiting.set(engine, queue);
        });
      } else {
        thread = this.spawn(engine);
      }
    }
    await thread.ready;
    return thread;
  }

  private release(engine: EngineName, thread: EngineThread): void {
    const next = this.waiting.get(engine)?.shift();
    const usable = thread.dead ? undefined : thread;
    if (next) {
      next(usable ?? this.spawn(engine));
      return;
    }
    if (!usable) return;
    if (this.closed) {
      void usable.worker.terminate();
      return;
    }
    const idle = this.idle.get(engine) ?? [];
    idle.push(usable);
    this.idle.set(engine, idle);
  }
}
