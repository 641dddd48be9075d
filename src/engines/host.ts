/**
 * Engine threads and processes, on the activity's side. Scripts run where the host can stop
 * them: Lua pattern matching and Tengo loops cannot be interrupted from inside, so their
 * threads are terminated at the limit; a thread holding a V8 isolate aborts the whole process
 * when terminated, so JavaScript runs in a child process that can always be killed. One
 * process hosts several runs (each its own isolate): isolates stop themselves at their limits,
 * and the process is killed only when one does not; the other runs in it then fail with a
 * retryable error and Temporal runs their step again.
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
import { SpellError } from '../errors/index.ts';

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

  constructor(engine: string, runs: number, keep: boolean) {
    super();
    this.child = fork(hostFile, [], {
      execArgv: ['--no-node-snapshot', '--disable-warning=ExperimentalWarning', '--max-old-space-size=512', `--max-semi-space-size=${YOUNG_GENERATION_MB / 2}`],
      serialization: 'advanced',
      // Only what Node needs: no API keys or other secrets in the process that hosts sandboxes.
      // TZ=UTC: a script's local time (Date, Intl) is UTC whatever the machine's zone.
      env: {
        PATH: process.env.PATH ?? '',
        LLMSPELL_ENGINE: engine,
        LLMSPELL_RUNS: String(runs),
        LLMSPELL_KEEP_RUNS: keep ? '1' : '0',
        TZ: 'UTC',
        // Where V8 caches compiled modules (a folder, no secret): engine processes start faster.
        ...(process.env.NODE_COMPILE_CACHE ? { NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE } : {}),
      },
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

/** The young generation of an engine host's V8 heap (see startHost), in MB. */
const YOUNG_GENERATION_MB = 16;

/** Data each engine's threads get, made once per process (Tengo's compiled program). */
const threadData = new Map<string, Record<string, unknown>>();

function startHost(engine: EngineDescriptor, runs: number, keep: boolean): EngineHost {
  if (engine.placement === 'process') return new ProcessHost(engine.name, runs, keep);
  let data = threadData.get(engine.name);
  if (!data) threadData.set(engine.name, (data = engine.threadData?.() ?? {}));
  // The V8 heap of the thread holds only the bridge; the script's heap is WebAssembly memory.
  // The young generation is bounded: left to itself, V8 grew it to 64 MB during a burst of
  // runs (each makes and drops an engine) and kept it after, in every thread (no run got slower).
  return new Worker(hostFile, {
    workerData: { engine: engine.name, data, keep },
    resourceLimits: { maxOldGenerationSizeMb: 512, maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
  }) as unknown as EngineHost;
}

type RunResult = { outcome: RunOutcome; heapBytes: number; resumed: boolean; replayed: number };

/** One run in progress on a host, as the host's message and exit handlers see it. */
interface ActiveRun {
  /** The script is running or about to (its clock ticks), not waiting on an effect. */
  running: boolean;
  /** Its watchdog fired and the engine has not answered yet. */
  overdue: boolean;
  onMessage(message: FromThread): void;
  /** The host is gone: `killed` by this side (a run overran), or `exited` on its own (or failed). */
  onLost(reason: 'killed' | 'exited', error?: Error & { code?: string }): void;
}

const failed = (type: string, message: string): RunResult => ({
  outcome: { entries: [], events: [], logs: [], stateOps: [], calls: 0, next: { type: 'failed', error: { type, message } } },
  heapBytes: 0,
  resumed: false,
  replayed: 0,
});

/**
 * One engine thread (or process). A thread runs one execution at a time and is terminated at
 * a run's time limit. A process may run `capacity` executions at once; at a run's limit it is
 * asked to end that run, and killed only when it stays unresponsive while every run it is
 * executing is past its limit (an isolate that ignores its own limits).
 */
export class EngineThread {
  readonly worker: EngineHost;
  readonly ready: Promise<void>;
  /** Most runs at once. */
  readonly capacity: number;
  /** Runs the pool has given this host (some may still wait for it to be ready). */
  pending = 0;
  /** Started up and ready for runs. */
  isReady = false;
  /** Runs the host keeps stopped at a boundary (keptRunKey), as its last answer said: their next executions go best here. */
  kept: ReadonlySet<string> = new Set();
  private nextRunId = 0;
  private readonly graceMs: number;
  private readonly cancellable: boolean;
  private readonly runs = new Map<number, ActiveRun>();
  /** Set while every running run is overdue: the host is killed unless it answers in time. */
  private killTimer: NodeJS.Timeout | undefined;
  dead = false;

  /** `keep`: the host keeps runs stopped at a boundary for their next executions (see thread.ts). */
  constructor(engine: EngineDescriptor, capacity = 1, keep = true) {
    this.graceMs = engine.graceMs;
    this.cancellable = engine.placement === 'process';
    this.capacity = this.cancellable ? Math.max(1, capacity) : 1;
    this.worker = startHost(engine, this.capacity, keep);
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (message: FromThread) => {
        if (message.type !== 'ready') return;
        this.worker.off('message', onMessage);
        this.worker.unref();
        this.isReady = true;
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
    this.worker.on('message', (message) => {
      if (this.killTimer) {
        // It answers: not stuck (yet).
        clearTimeout(this.killTimer);
        this.killTimer = undefined;
        this.armKill();
      }
      if ('id' in message) this.runs.get(message.id)?.onMessage(message);
    });
    this.worker.on('exit', () => {
      this.dead = true;
      clearTimeout(this.killTimer);
      for (const run of [...this.runs.values()]) run.onLost('exited');
    });
    this.worker.on('error', (error) => {
      for (const run of [...this.runs.values()]) run.onLost('exited', error);
      this.kill();
    });
  }

  /** Runs in progress. */
  get active(): number {
    return this.runs.size;
  }

  /** Every run this host holds is waiting on an effect (a model call, a tool), none on its script. */
  get awaitingEffects(): boolean {
    return this.pending > 0 && this.runs.size === this.pending && [...this.runs.values()].every((run) => !run.running);
  }

  /** Kills the host; each run in it fails: with SpellTimeout if it overran, else retryably. */
  private kill(): void {
    if (this.dead) return;
    this.dead = true;
    clearTimeout(this.killTimer);
    for (const run of [...this.runs.values()]) run.onLost('killed');
    void this.worker.terminate();
  }

  /** Starts the kill countdown when every run the host is executing is past its limit. */
  private armKill(): void {
    if (this.killTimer || this.dead) return;
    const running = [...this.runs.values()].filter((run) => run.running);
    if (running.length === 0 || !running.every((run) => run.overdue)) return;
    this.killTimer = setTimeout(() => this.kill(), Math.min(this.graceMs, 500));
  }

  /** Runs one execution; the watchdog counts only the time the script itself runs. */
  run(request: RunRequest, handlers: RunHandlers): Promise<RunResult> {
    const id = this.nextRunId++;
    return new Promise((resolve, reject) => {
      let watchdog: NodeJS.Timeout | undefined;
      let budgetMs = request.limits.timeoutMs + this.graceMs;
      let resumedAt = 0;
      const timeoutMessage = `the script ran longer than its time limit of ${request.limits.timeoutMs} ms`;
      // Starts from the checkpoint this attempt resumed from: replayed effects are not reported again.
      const toolCalls = new Map<number, (result: EffectResult) => void>();
      let nextToolCall = 0;
      let checkpoint: Checkpoint | undefined = request.checkpoint && {
        ...request.checkpoint,
        children: [...request.checkpoint.children],
      };
      const active: ActiveRun = { running: false, overdue: false, onMessage: () => {}, onLost: () => {} };
      const startClock = () => {
        active.running = true;
        resumedAt = performance.now();
        clearTimeout(watchdog);
        watchdog = setTimeout(onTimeout, Math.max(0, budgetMs));
      };
      const stopClock = () => {
        active.running = false;
        clearTimeout(watchdog);
        budgetMs -= performance.now() - resumedAt;
      };
      const finish = () => {
        clearTimeout(watchdog);
        active.running = false;
        this.runs.delete(id);
        if (this.runs.size === 0) this.worker.unref();
        handlers.signal?.removeEventListener('abort', onAbort);
        this.armKill(); // the runs left may all be overdue
      };
      const onTimeout = () => {
        if (!this.cancellable) {
          finish();
          resolve(failed('SpellTimeout', timeoutMessage));
          this.kill();
          return;
        }
        // The engine ends the run itself (or says it waited behind others); if it cannot, it is killed.
        active.overdue = true;
        this.post({ type: 'cancel', id });
        this.armKill();
      };
      const onAbort = () => {
        finish();
        reject(handlers.signal?.reason ?? new Error('run cancelled'));
        this.stopRun(id);
      };
      active.onLost = (reason, error) => {
        const overdue = active.overdue;
        finish();
        if (error?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
          resolve(failed('SpellMemoryLimit', 'the engine thread ran out of memory'));
        } else if (reason === 'killed' && overdue) {
          resolve(failed('SpellTimeout', timeoutMessage));
        } else if (error) {
          reject(error);
        } else {
          // Nothing this run did: its step can run again.
          const what = reason === 'killed' ? 'was stopped because another run in it went past its limits' : 'exited unexpectedly';
          reject(new SpellError('SpellHostError', `the engine ${this.cancellable ? 'process' : 'thread'} ${what}`, { retryable: true }).toFailure());
        }
      };
      active.onMessage = (message) => {
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
                if (!this.runs.has(id)) return;
                startClock();
                this.post({ type: 'effectResult', id, callId: message.callId, result });
              },
              (error: unknown) => {
                // The activity decided this attempt cannot go on (e.g. a retryable provider failure).
                if (!this.runs.has(id)) return;
                finish();
                reject(error);
                this.stopRun(id);
              },
            );
            break;
          case 'toolResult':
            stopClock();
            toolCalls.get(message.callId)?.(message.result);
            toolCalls.delete(message.callId);
            break;
          case 'extend':
            // It waited behind other runs in its process: its own CPU time is not spent yet.
            active.overdue = false;
            budgetMs = message.ms + this.graceMs;
            if (active.running) startClock();
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
            this.kept = new Set(message.kept);
            finish();
            resolve({ outcome: message.outcome, heapBytes: message.memoryUsedBytes, resumed: message.resumed, replayed: message.replayed });
            break;
        }
      };
      this.runs.set(id, active);
      handlers.signal?.addEventListener('abort', onAbort);
      if (this.runs.size === 1) this.worker.ref();
      this.post({ type: 'run', id, request });
      startClock();
    });
  }

  /**
   * Ends a run the activity gave up on. A thread (one run) is terminated as before; in a
   * process, the run is cancelled: its engine ends it and the outcome is dropped.
   */
  private stopRun(id: number): void {
    if (this.cancellable && !this.dead) this.post({ type: 'cancel', id, force: true });
    else this.kill();
  }

  private post(message: ToThread): void {
    if (!this.dead) this.worker.postMessage(message);
  }
}
