/** Pooled engine threads and processes per engine kind, so a run never pays a cold start. */
import type { RunOutcome } from '../contract/run.ts';
import type { RunRequest } from '../runtime/protocol.ts';
import { EngineThread, type RunHandlers } from './host.ts';
import { engineNamed } from './registry.ts';

export type { RunHandlers };

/** Options of an {@link EnginePool}. */
export interface EnginePoolOptions {
  /** Most runs at once per engine kind; runs beyond that wait for a free engine. Default 16. */
  maxThreadsPerEngine?: number;
  /**
   * Runs one engine process hosts at once, each in its own engine (JavaScript: a V8 isolate
   * each). A process killed because one of its runs ignored its limits fails the others
   * retryably. Default 8. Thread engines (Lua, Tengo) run one at a time per thread.
   */
  runsPerProcess?: number;
  /** A thread whose engine heap grew past this is replaced after its run. Default 256 MiB. */
  recycleAboveBytes?: number;
}

/** Pooled engine hosts per engine kind. */
export class EnginePool {
  /** Every live host per engine, busy or not. */
  private readonly hosts = new Map<string, EngineThread[]>();
  /** Runs in progress or starting, per engine. */
  private readonly running = new Map<string, number>();
  private readonly waiting = new Map<string, Array<() => void>>();
  private readonly maxRuns: number;
  private readonly runsPerProcess: number;
  private readonly recycleAboveBytes: number;
  private closed = false;

  constructor(options: EnginePoolOptions = {}) {
    this.maxRuns = options.maxThreadsPerEngine ?? 16;
    this.runsPerProcess = options.runsPerProcess ?? 8;
    this.recycleAboveBytes = options.recycleAboveBytes ?? 256 * 1024 * 1024;
  }

  /** Starts one host per engine ahead of the first run. */
  async warm(engines: string[]): Promise<void> {
    await Promise.all(engines.map((engine) => this.spawn(engine).ready));
  }

  async run(request: RunRequest, handlers: RunHandlers): Promise<RunOutcome> {
    const engine = request.engine;
    await this.slot(engine);
    let thread: EngineThread | undefined;
    try {
      thread = await this.acquire(engine);
      const { outcome, heapBytes } = await thread.run(request, handlers);
      if (heapBytes > this.recycleAboveBytes && thread.capacity === 1) {
        thread.dead = true;
        void thread.worker.terminate();
      }
      return outcome;
    } finally {
      if (thread) this.settle(engine, thread);
      this.running.set(engine, this.running.get(engine)! - 1);
      this.waiting.get(engine)?.shift()?.();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    // Busy hosts end after their runs (see settle).
    const idle = [...this.hosts.values()].flat().filter((thread) => thread.pending === 0);
    await Promise.all(idle.map((thread) => thread.worker.terminate()));
  }

  /** Waits until fewer than the most runs of this engine are in progress, and takes a place. */
  private async slot(engine: string): Promise<void> {
    while ((this.running.get(engine) ?? 0) >= this.maxRuns) {
      await new Promise<void>((resolve) => {
        const queue = this.waiting.get(engine) ?? [];
        queue.push(resolve);
        this.waiting.set(engine, queue);
      });
    }
    this.running.set(engine, (this.running.get(engine) ?? 0) + 1);
  }

  private spawn(engine: string): EngineThread {
    const thread = new EngineThread(engineNamed(engine), this.runsPerProcess);
    const hosts = this.hosts.get(engine) ?? [];
    hosts.push(thread);
    this.hosts.set(engine, hosts);
    thread.worker.once('exit', () => this.forget(engine, thread));
    return thread;
  }

  private forget(engine: string, thread: EngineThread): void {
    const hosts = this.hosts.get(engine);
    const index = hosts?.indexOf(thread) ?? -1;
    if (index >= 0) hosts!.splice(index, 1);
  }

  /** The live host with the most runs that still has room (fills processes before starting more), or a new one. */
  private async acquire(engine: string): Promise<EngineThread> {
    let best: EngineThread | undefined;
    for (const thread of this.hosts.get(engine) ?? []) {
      if (thread.dead || thread.pending >= thread.capacity) continue;
      if (!best || thread.pending > best.pending) best = thread;
    }
    const thread = best ?? this.spawn(engine);
    thread.pending++;
    try {
      await thread.ready;
    } catch (error) {
      thread.pending--;
      throw error;
    }
    return thread;
  }

  private settle(engine: string, thread: EngineThread): void {
    thread.pending--;
    if (thread.dead) {
      this.forget(engine, thread);
      return;
    }
    if (this.closed && thread.pending === 0) {
      this.forget(engine, thread);
      void thread.worker.terminate();
    }
  }
}
