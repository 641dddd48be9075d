/**
 * Where a Temporal dispatch's time goes: a workflow of N sequential trivial activities,
 * per-activity latency under dev-server settings, worker options and dispatch modes,
 * side by side in one run (rounds interleaved, median), as ms per activity and as a
 * ratio to the baseline (the dev server with Temporal's default
 * `history.transferProcessorMaxPollRPS` of 20, eager dispatch, default worker).
 *
 * Hops are medians over a run's activities, from history event times (server clock):
 *   wft  WorkflowTaskScheduled → Started (history → matching → the worker's poll)
 *   run  WorkflowTaskStarted → Completed (the worker runs the workflow and answers)
 *   act  ActivityTaskScheduled → Started (0 when eagerly dispatched with the WFT answer)
 *   done ActivityTaskStarted → Completed (the worker gets, runs and answers the activity)
 *
 * Servers with the default read rate get a token bucket (burst) back while idle; rows
 * marked "after idle" run first after the rest of a round, "sustained" right after it.
 *
 * Run: node --no-node-snapshot bench/dispatch.ts [rounds=3]
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { freePort, startDevServer } from '../src/server/dev-server.ts';
import type { DispatchMode } from './dispatch-workflows.ts';

Runtime.install({ logger: new DefaultLogger('ERROR') });
const root = join(import.meta.dirname, '..');
const N = 50;
const ROUNDS = Number(process.argv[2] ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const started = performance.now();

// Temporal's and SQLite's own defaults, set explicitly so the baselines do not depend on
// startDevServer's defaults; the "startDevServer()" rows show what it starts now.
const TEMPORAL_DEFAULT_READ_RPS = { 'history.transferProcessorMaxPollRPS': 20 };
const FAST_READ_RPS = { 'history.transferProcessorMaxPollRPS': 1000 };
const SQLITE_DEFAULTS = { journal_mode: 'delete', synchronous: 'full' };

interface Server {
  name: string;
  client: Client;
  native: NativeConnection;
  close(): Promise<void>;
}

const dbDir = mkdtempSync(join(tmpdir(), 'llmspell-dispatch-'));
let servers = 0;
async function server(
  name: string,
  options: { db?: boolean; dynamicConfig?: Record<string, string | number | boolean>; sqlitePragmas?: Record<string, string> },
): Promise<Server> {
  const started = await startDevServer({
    port: await freePort(),
    executable: join(root, '.tools/temporal/temporal'),
    ...(options.db ? { dbFile: join(dbDir, `${servers++}.db`) } : {}),
    ...(options.dynamicConfig ? { dynamicConfig: options.dynamicConfig } : {}),
    ...(options.sqlitePragmas ? { sqlitePragmas: options.sqlitePragmas } : {}),
  });
  const connection = await Connection.connect({ address: started.address });
  const native = await NativeConnection.connect({ address: started.address });
  return {
    name,
    client: new Client({ connection }),
    native,
    async close() {
      await native.close();
      await connection.close();
      await started.stop();
    },
  };
}

const serverList = await Promise.all([
  server('memory, Temporal defaults (read RPS 20)', { dynamicConfig: TEMPORAL_DEFAULT_READ_RPS }),
  server('memory, read RPS 1000', { dynamicConfig: FAST_READ_RPS }),
  server('memory, read RPS 1000, 1 task queue partition', {
    dynamicConfig: { ...FAST_READ_RPS, 'matching.numTaskqueueReadPartitions': 1, 'matching.numTaskqueueWritePartitions': 1 },
  }),
  server('memory, as startDevServer() starts it', {}),
  server('db file, Temporal + SQLite defaults (read RPS 20, rollback journal, synchronous=full)', {
    db: true,
    dynamicConfig: TEMPORAL_DEFAULT_READ_RPS,
    sqlitePragmas: SQLITE_DEFAULTS,
  }),
  server('db file, read RPS 1000, WAL, synchronous=full', { db: true, dynamicConfig: FAST_READ_RPS, sqlitePragmas: { journal_mode: 'wal', synchronous: 'full' } }),
  server('db file, as startDevServer() starts it', { db: true }),
]);
const [memDefault, memFast, memOnePartition, memDevServer, dbDefault, dbWal, dbDevServer] = serverList as [Server, Server, Server, Server, Server, Server, Server];

const workflowBundle = await bundleWorkflowCode({
  workflowsPath: join(import.meta.dirname, 'dispatch-workflows.ts'),
  logger: new DefaultLogger('ERROR'),
});

// The spell worker's own settings (src/spell-worker.ts) that bear on dispatch.
const spellWorkerOptions: Partial<WorkerOptions> = { maxConcurrentActivityTaskExecutions: 16, maxHeartbeatThrottleInterval: '500ms' };

interface Lane {
  server: Server;
  taskQueue: string;
  worker: Worker;
  running: Promise<void>;
}
const lanes: Lane[] = [];
async function lane(server: Server, options: Partial<WorkerOptions> = {}): Promise<Lane> {
  const taskQueue = `dispatch-${randomUUID()}`;
  const worker = await Worker.create({
    ...spellWorkerOptions,
    ...options,
    connection: server.native,
    taskQueue,
    workflowBundle,
    activities: { noop: async (i: number) => i },
  });
  const l = { server, taskQueue, worker, running: worker.run() };
  lanes.push(l);
  return l;
}

interface Row {
  label: string;
  lane: Lane;
  mode: DispatchMode;
  /** Measured in this many rounds only (slow rows). */
  rounds: number;
  ms: number[];
  hops: { wft: number[]; run: number[]; act: number[]; done: number[] };
  eventsPerActivity: number[];
}
const row = (label: string, lane: Lane, mode: DispatchMode, rounds = ROUNDS): Row => ({
  label,
  lane,
  mode,
  rounds,
  ms: [],
  hops: { wft: [], run: [], act: [], done: [] },
  eventsPerActivity: [],
});

// Each group runs back to back on one server; the group order rotates every round.
const memDefaultLane = await lane(memDefault);
const memFastLane = await lane(memFast);
const memDevServerLane = await lane(memDevServer);
const dbDevServerLane = await lane(dbDevServer);
const baseline = row('eager, sustained (the issue)', memDefaultLane, 'eager');
const groups: { server: Server; rows: Row[] }[] = [
  {
    server: memDefault,
    rows: [
      row('eager, after idle', memDefaultLane, 'eager'),
      baseline,
      row('no eager (matching)', memDefaultLane, 'matching'),
      row('local activities', memDefaultLane, 'local'),
    ],
  },
  {
    server: memFast,
    rows: [
      row('eager', memFastLane, 'eager'),
      row('no eager (matching)', memFastLane, 'matching'),
      row('local activities', memFastLane, 'local'),
      row('eager, autoscaling pollers', await lane(memFast, { workflowTaskPollerBehavior: { type: 'autoscaling' }, activityTaskPollerBehavior: { type: 'autoscaling' } }), 'eager'),
      row('eager, 2 WFT / 1 activity pollers', await lane(memFast, { maxConcurrentWorkflowTaskPolls: 2, maxConcurrentActivityTaskPolls: 1 }), 'eager'),
      row('eager, maxCachedWorkflows 0 (no sticky queue)', await lane(memFast, { maxCachedWorkflows: 0 }), 'eager', 1),
    ],
  },
  { server: memOnePartition, rows: [row('no eager (matching)', await lane(memOnePartition), 'matching')] },
  { server: memDevServer, rows: [row('eager, after idle', memDevServerLane, 'eager'), row('eager, sustained', memDevServerLane, 'eager')] },
  { server: dbDefault, rows: [row('eager', await lane(dbDefault), 'eager')] },
  { server: dbWal, rows: [row('eager', await lane(dbWal), 'eager')] },
  { server: dbDevServer, rows: [row('eager, after idle', dbDevServerLane, 'eager'), row('eager, sustained', dbDevServerLane, 'eager')] },
];

const millis = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;

async function measure(r: Row, n: number): Promise<void> {
  const { client } = r.lane.server;
  const workflowId = `dispatch-${randomUUID()}`;
  const t0 = performance.now();
  const sum = await client.workflow.execute('sequential', { taskQueue: r.lane.taskQueue, workflowId, args: [n, r.mode] });
  const ms = performance.now() - t0;
  if (sum !== (n * (n - 1)) / 2) throw new Error(`unexpected result ${String(sum)}`);
  if (n !== N) return; // warm-up
  r.ms.push(ms / n);
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  r.eventsPerActivity.push(events.length / n);
  // Event types: 5 WFT scheduled, 6 started, 7 completed; 10 activity scheduled, 11 started, 12 completed.
  const hop = (from: number, to: number) => {
    const gaps: number[] = [];
    let at: number | undefined;
    for (const e of events) {
      if (e.eventType === from) at = millis(e.eventTime);
      else if (e.eventType === to && at !== undefined) {
        gaps.push(millis(e.eventTime) - at);
        at = undefined;
      }
    }
    return median(gaps);
  };
  if (r.mode === 'local') return;
  r.hops.wft.push(hop(5, 6));
  r.hops.run.push(hop(6, 7));
  r.hops.act.push(hop(10, 11));
  r.hops.done.push(hop(11, 12));
}

// Warm-up: load the workflow bundle in every worker.
for (const l of lanes) {
  const r = groups.flatMap((g) => g.rows).find((x) => x.lane === l);
  if (r) await measure(r, 5);
}
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < groups.length; k++) {
    for (const r of groups[(k + round) % groups.length]!.rows) if (round < r.rounds) await measure(r, N);
  }
}

const base = median(baseline.ms);
const f = (x: number, d = 1) => (Number.isNaN(x) ? '-' : x.toFixed(d));
console.log(`Dispatch latency: ${N} sequential trivial activities, median of ${ROUNDS} interleaved rounds (${new Date().toISOString()}, Node ${process.version})`);
console.log(`ms/act = wall time of the run / ${N}; ratio to "${memDefault.name}: ${baseline.label}"; hops (ms, median): wft sched→start, run start→complete, act sched→start, done start→complete`);
for (const g of groups) {
  console.log(`\n${g.server.name}`);
  for (const r of g.rows) {
    const m = median(r.ms);
    const hops = r.mode === 'local' ? '' : ` | wft ${f(median(r.hops.wft))} run ${f(median(r.hops.run))} act ${f(median(r.hops.act))} done ${f(median(r.hops.done))}`;
    console.log(
      `  ${r.label.padEnd(44)} ${f(m, 2).padStart(7)} ms/act  ${f(m / base, 3).padStart(6)}x  (${f(Math.min(...r.ms))}–${f(Math.max(...r.ms))}${r.rounds < ROUNDS ? `, ${r.rounds} run` : ''})${hops} | ${f(median(r.eventsPerActivity), 2)} events/act`,
    );
  }
}
console.log(`\n(${((performance.now() - started) / 1000).toFixed(0)} s)`);

for (const l of lanes) l.worker.shutdown();
await Promise.all(lanes.map((l) => l.running));
await Promise.all(serverList.map((s) => s.close()));
rmSync(dbDir, { recursive: true, force: true });
