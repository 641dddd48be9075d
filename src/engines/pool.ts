/**
 * Engine worker threads, on the activity's side. Scripts run in threads the host can
 * terminate: Lua pattern matching and tight loops cannot be interrupted from inside.
 */
import { Worker } from 'node:worker_threads';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
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

/** Options of an {@link EnginePool}. */
export interface EnginePoolOptions {
  /** Most threads per engine kind; runs beyond that wait for a free thread. Default 16. */
  maxThreadsPerEngine?: number;
  /** A thread whose engine heap grew past this is replaced after its run. Default 256 MiB. */
  recycleAboveBytes?: number;
}

/** What a run needs from the activity while it executes. */
export interface RunHandlers {
  effect(request: EffectRequest): Promise<EffectResult>;
  checkpoint(checkpoint: Checkpoint): void;
  signal?: AbortSignal;
}

const threadFile = fileURLToPath(new URL(`./thread${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

class EngineThread {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  private nextRunId = 0;
  dead = false;

  constructor(engine: EngineName) {
    // The V8 heap of the thread holds only the bridge; the script's heap is WebAssembly memory.
    this.worker = new Worker(threadFile, { workerData: { engine }, resourceLimits: { maxOldGenerationSizeMb: 512 } });
    this.worker.unref();
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (message: FromThread) => {
        if (message.type !== 'ready') return;
        this.worker.off('message', onMessage);
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
      let budgetMs = request.limits.timeoutMs;
      let resumedAt = 0;
      const startClock = () => {
        resumedAt = performance.now();
        watchdog = setTimeout(onTimeout, Math.max(0, budgetMs));
      };
      const stopClock = () => {
        clearTimeout(watchdog);
        budgetMs -= performance.now() - resumedAt;
      };
      const finish = () => {
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
      const onExit = (code: number) => {
        finish();
        this.dead = true;
        reject(new Error(`engine thread exited unexpectedly (exit code ${code})`));
      };
      const onMessage = (message: FromThread) => {
        if (!('id' in message) || message.id !== id) return;
        switch (message.type) {
          case 'effect':
            stopClock();
            handlers.effect(message.effect).then(
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
          case 'checkpoint':
            handlers.checkpoint(message.checkpoint);
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
