/** Pooled engine threads and processes per engine kind, so a run never pays a cold start. */
import type { RunOutcome } from '../contract/run.ts';
import type { RunRequest } from '../runtime/protocol.ts';
import { EngineThread, type RunHandlers } from './host.ts';
import { engineNamed } from './registry.ts';
import { keptRunKey } from './protocol.ts';

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
  /**
   * A run stopped at a boundary keeps its engine on its host, and its next execution goes to
   * that host and takes the script up where it stopped instead of re-executing it from the top
   * (at most as many kept runs as the host runs at once; the oldest makes way). Default true;
   * tools that re-execute a run to check it (replay, history --verify) turn it off.
   */
  keepRuns?: boolean;
  /** A thread whose engine heap grew past this is replaced after its run. Default 256 MiB. */
  recycleAboveBytes?: number;
  /**
   * A host idle this long is stopped, down to one per engine, so a burst of runs does not
   * keep its threads and processes (30 MB to 100 MB each) for good. Default 10 s.
   */
  idleTimeoutMs?: number;
}

/** A run that has waited this long for a busy host starts another (see acquire). */
const SPAWN_AFTER_MS = 50;

/** Pooled engine hosts per engine kind. */
export class EnginePool {
  /** Every live host per engine, busy or not. */
  private readonly hosts = new Map<string, EngineThread[]>();
  /** Runs in progress or starting, per engine. */
  private readonly running = new Map<string, number>();
  private readonly waiting = new Map<string, Array<() => void>>();
  private readonly changed = new Map<string, Array<() => void>>();
  private readonly maxRuns: number;
  private readonly runsPerProcess: number;
  private readonly recycleAboveBytes: number;
  private readonly idleTimeoutMs: number;
  private readonly keepRuns: boolean;
  private readonly idleTimers = new Map<EngineThread, NodeJS.Timeout>();
  private closed = false;
  /**
   * Executions run; how many took a kept run up where it stopped instead of re-executing its
   * script from the top; and the calls all of them answered from the journal.
   */
  readonly executions = { total: 0, resumed: 0, replayedCalls: 0 };

  constructor(options: EnginePoolOptions = {}) {
    this.maxRuns = options.maxThreadsPerEngine ?? 16;
    this.runsPerProcess = options.runsPerProcess ?? 8;
    this.recycleAboveBytes = options.recycleAboveBytes ?? 256 * 1024 * 1024;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 10_000;
    this.keepRuns = options.keepRuns ?? true;
  }

  /** Live hosts (threads or processes) of an engine, busy or idle. */
  hostCount(engine: string): number {
    return (this.hosts.get(engine) ?? []).filter((thread) => !thread.dead).length;
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
      thread = await this.acquire(engine, keptRunKey(request));
      const { outcome, heapBytes, resumed, replayed } = await thread.run(request, handlers);
      this.executions.total++;
      if (resumed) this.executions.resumed++;
      this.executions.replayedCalls += replayed;
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
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    this.idleTimers.clear();
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
    const thread = new EngineThread(engineNamed(engine), this.runsPerProcess, this.keepRuns);
    const hosts = this.hosts.get(engine) ?? [];
    hosts.push(thread);
    this.hosts.set(engine, hosts);
    thread.worker.once('exit', () => {
      this.forget(engine, thread);
      this.notify(engine);
    });
    thread.ready.then(
      () => this.notify(engine),
      () => {},
    );
    return thread;
  }

  private forget(engine: string, thread: EngineThread): void {
    const hosts = this.hosts.get(engine);
    const index = hosts?.indexOf(thread) ?? -1;
    if (index >= 0) hosts!.splice(index, 1);
  }

  /**
   * The host that keeps this run stopped at its last boundary, if it has room; else the live host
   * with the most runs that still has room (fills processes before starting more), keeping the
   * fewest other runs. With none free, a new host is started, one at a time per engine, when the busy
   * hosts' runs all wait on effects (a model call: they may hold their hosts for seconds) or
   * when this run has waited {@link SPAWN_AFTER_MS}; otherwise the run waits for a host to
   * free up. A host takes ~0.3 s to start and a short run ~1 ms: a burst of quick steps
   * started up to 16 threads it had no use for, whose memory stayed with the process.
   */
  private async acquire(engine: string, key: string): Promise<EngineThread> {
    const askedAt = performance.now();
    for (;;) {
      let best: EngineThread | undefined;
      let starting = false;
      let scriptsRunning = false;
      for (const thread of this.hosts.get(engine) ?? []) {
        if (thread.dead) continue;
        if (!thread.isReady) starting = true;
        if (thread.pending >= thread.capacity) {
          if (!thread.awaitingEffects) scriptsRunning = true;
          continue;
        }
        if (thread.kept.has(key)) {
          best = thread;
          break;
        }
        if (!best || thread.pending > best.pending || (thread.pending === best.pending && thread.kept.size < best.kept.size)) best = thread;
      }
      const waitedMs = performance.now() - askedAt;
      if (!best && (starting || (scriptsRunning && waitedMs < SPAWN_AFTER_MS))) {
        await new Promise<void>((resolve) => {
          const queue = this.changed.get(engine) ?? [];
          queue.push(resolve);
          this.changed.set(engine, queue);
          if (!starting) setTimeout(resolve, SPAWN_AFTER_MS - waitedMs);
        });
        continue;
      }
      const thread = best ?? this.spawn(engine);
      clearTimeout(this.idleTimers.get(thread));
      this.idleTimers.delete(thread);
      thread.pending++;
      try {
        await thread.ready;
      } catch (error) {
        thread.pending--;
        throw error;
      }
      return thread;
    }
  }

  /** Wakes the runs waiting for a host of this engine to free up or finish starting. */
  private notify(engine: string): void {
    const queue = this.changed.get(engine);
    this.changed.delete(engine);
    for (const wake of queue ?? []) wake();
  }

  private settle(engine: string, thread: EngineThread): void {
    thread.pending--;
    this.notify(engine);
    if (thread.dead) {
      this.forget(engine, thread);
      return;
    }
    if (thread.pending > 0) return;
    if (this.closed) {
      this.forget(engine, thread);
      void thread.worker.terminate();
      return;
    }
    const timer = setTimeout(() => {
      this.idleTimers.delete(thread);
      const hosts = this.hosts.get(engine) ?? [];
      if (thread.pending > 0 || hosts.filter((h) => !h.dead).length <= 1) return;
      this.forget(engine, thread);
      void thread.worker.terminate();
    }, this.idleTimeoutMs);
    timer.unref();
    this.idleTimers.set(thread, timer);
  }
}
