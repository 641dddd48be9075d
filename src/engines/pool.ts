/** Pooled engine threads per engine kind, so a run never pays a cold start. */
import type { RunOutcome } from '../contract/run.ts';
import type { RunRequest } from '../runtime/protocol.ts';
import { EngineThread, type RunHandlers } from './host.ts';
import { engineNamed } from './registry.ts';

export type { RunHandlers };

/** Options of an {@link EnginePool}. */
export interface EnginePoolOptions {
  /** Most threads per engine kind; runs beyond that wait for a free thread. Default 16. */
  maxThreadsPerEngine?: number;
  /** A thread whose engine heap grew past this is replaced after its run. Default 256 MiB. */
  recycleAboveBytes?: number;
}

/** Pooled engine threads per engine kind. */
export class EnginePool {
  private readonly idle = new Map<string, EngineThread[]>();
  private readonly counts = new Map<string, number>();
  private readonly waiting = new Map<string, Array<(thread: EngineThread) => void>>();
  private readonly maxThreads: number;
  private readonly recycleAboveBytes: number;
  private closed = false;

  constructor(options: EnginePoolOptions = {}) {
    this.maxThreads = options.maxThreadsPerEngine ?? 16;
    this.recycleAboveBytes = options.recycleAboveBytes ?? 256 * 1024 * 1024;
  }

  /** Starts one thread per engine ahead of the first run. */
  async warm(engines: string[]): Promise<void> {
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

  private spawn(engine: string): EngineThread {
    this.counts.set(engine, (this.counts.get(engine) ?? 0) + 1);
    const thread = new EngineThread(engineNamed(engine));
    thread.worker.once('exit', () => this.counts.set(engine, (this.counts.get(engine) ?? 1) - 1));
    return thread;
  }

  private async acquire(engine: string): Promise<EngineThread> {
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

  private release(engine: string, thread: EngineThread): void {
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
