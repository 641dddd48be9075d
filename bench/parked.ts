/**
 * Parked runs (issue: Performance): N runs parked on `signal.wait` (then on `sleep`) on one
 * worker, against the same N hand-written workflows parked the same way (one activity, then
 * a condition or a timer): the hand-written ones measure what Temporal's own workflow cache
 * costs, the difference is llmspell's. Each (kind, mode) runs in a process of its own with the
 * same worker set-up, so idle figures match; the server's memory is not counted.
 * The workflow cache holds all N runs, so each parked run is in it: with Temporal's default
 * (about 600 runs per GiB of V8 heap over 200 MiB; 2,395 on a 4 GiB heap) most of 10,000 runs
 * are evicted while the others park, and the figure measures what evictions leave behind.
 * Run: node --no-node-snapshot bench/parked.ts [N]   (default 10,000; takes minutes)
 *      LLMSPELL_BENCH_CACHE=<maxCachedWorkflows> sets the workflow cache, `default` leaves Temporal's;
 *      LLMSPELL_BENCH_PARKED_MODES=signal|sleep runs one of the two.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

type Kind = 'spell' | 'baseline';
type Mode = 'signal' | 'sleep';
const TARGET = 1.05;
const f = (n: number, d = 0) => n.toFixed(d);

interface Report {
  kind: Kind;
  mode: Mode;
  n: number;
  parkSeconds: number;
  idleMb: number;
  parkedMb: number;
  completed: number;
  completeSeconds: number;
}

const [kindArg, modeArg, nArg, secondsArg] = process.argv.slice(2);
if (kindArg !== 'spell' && kindArg !== 'baseline') {
  const n = Number(kindArg ?? 10_000);
  const cache = process.env.LLMSPELL_BENCH_CACHE ?? String(n);
  console.log(`llmspell parked runs (${new Date().toISOString()}, Node ${process.version}), ${n} runs, workflow cache ${cache === 'default' ? "Temporal's default" : `of ${cache} runs`}`);
  const run = (kind: Kind, mode: Mode, seconds: number): Report => {
    const out = execFileSync(process.execPath, [...process.execArgv, import.meta.filename, kind, mode, String(n), String(seconds)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 20,
    });
    return JSON.parse(out.trim().split('\n').at(-1)!) as Report;
  };
  const line = (r: Report) =>
    `  ${r.kind.padEnd(8)} parked ${r.n} in ${f(r.parkSeconds)} s · idle ${f(r.idleMb)} MB · parked ${f(r.parkedMb)} MB (+${f(r.parkedMb - r.idleMb)} MB, ${f(((r.parkedMb - r.idleMb) * 1024) / r.n, 1)} KB/run) · ${r.completed}/${r.n} completed in ${f(r.completeSeconds)} s`;
  // Timers long enough for every run to park first: at least 2 runs a second (refined by the signal round).
  let sleepSeconds = Math.max(60, Math.ceil(n / 2));
  const modes = (process.env.LLMSPELL_BENCH_PARKED_MODES ?? 'signal,sleep').split(',') as Mode[];
  for (const mode of modes) {
    const base = run('baseline', mode, sleepSeconds);
    const spell = run('spell', mode, sleepSeconds);
    sleepSeconds = Math.ceil(Math.max(base.parkSeconds, spell.parkSeconds) * 1.5 + 30);
    console.log(`parked on ${mode === 'signal' ? 'signal.wait' : 'sleep'}:`);
    console.log(line(base));
    console.log(line(spell));
    const ratio = spell.parkedMb / base.parkedMb;
    console.log(
      `  worker RSS with ${n} spells parked ${f(spell.parkedMb)} MB vs idle + Temporal's own cache ${f(base.parkedMb)} MB (idle ${f(base.idleMb)} MB + cache ${f(base.parkedMb - base.idleMb)} MB): ratio ${f(ratio, 3)}x (target <= ${TARGET}x, all ${n} complete)`,
    );
  }
  process.exit(0);
}

const kind = kindArg as Kind;
const mode = modeArg as Mode;
const N = Number(nArg);
const seconds = Number(secondsArg) || 60;

const { Worker } = await import('@temporalio/worker');
const { startBench, root } = await import('./harness.ts');
const { startSpell } = await import('../src/client.ts');
const { spellSignal } = await import('../src/workflows/api.ts');

let parkedCount = 0;
const cacheSetting = process.env.LLMSPELL_BENCH_CACHE ?? String(N);
const cache = cacheSetting === 'default' ? undefined : Number(cacheSetting);
const bench = await startBench({
  tools: { parked: () => ++parkedCount },
  warmEngines: ['lua'],
  maxConcurrentSteps: 32,
  ...(cache !== undefined ? { maxCachedWorkflows: cache } : {}),
});
const baseQueue = `bench-parked-${randomUUID()}`;
const baseWorker = await Worker.create({
  connection: bench.native,
  taskQueue: baseQueue,
  workflowsPath: join(root, 'bench/workflows.ts'),
  activities: { parked: async () => void ++parkedCount },
  ...(cache !== undefined ? { maxCachedWorkflows: cache } : {}),
});
const baseRunning = baseWorker.run();

function rssKb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}
const except = new Set([bench.server.process.pid!]);
function rssMb(): number {
  if (process.env.LLMSPELL_BENCH_DEBUG) {
    const m = process.memoryUsage();
    const threads = /Threads:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    process.stderr.write(`main ${f(rssKb(process.pid) / 1024)} MB, ${threads} threads (heap ${f(m.heapUsed / 1048576)} of ${f(m.heapTotal / 1048576)}, external ${f(m.external / 1048576)}, buffers ${f(m.arrayBuffers / 1048576)})\n`);
  }
  const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(process.pid)], { encoding: 'utf8' })
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((pid) => pid > 0 && !except.has(pid));
  if (process.env.LLMSPELL_BENCH_DEBUG) process.stderr.write(`children ${children.map((pid) => f(rssKb(pid) / 1024)).join(' ')}\n`);
  return (rssKb(process.pid) + children.reduce((sum, pid) => sum + rssKb(pid), 0)) / 1024;
}
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Runs `fn` over 0..n-1, at most `width` at a time. */
async function each(n: number, width: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) await fn(next++);
  }));
}

await settle(2000);
const idleMb = rssMb();

const source =
  mode === 'signal'
    ? 'tool.call("parked", {}) return signal.wait("go")'
    : `tool.call("parked", {}) sleep(${seconds}) return 1`;
const ids: string[] = [];
const t0 = performance.now();
await each(N, 50, async (i) => {
  const workflowId = `parked-${kind}-${i}-${randomUUID().slice(0, 8)}`;
  ids.push(workflowId);
  if (kind === 'spell') {
    await startSpell(bench.client, { source, fileName: 'parked.lua', engine: 'lua', taskQueue: bench.taskQueue, workflowId });
  } else {
    await bench.client.workflow.start('parkedWorkflow', { taskQueue: baseQueue, workflowId, args: [mode, seconds] });
  }
});
while (parkedCount < N) await settle(200);
const parkSeconds = (performance.now() - t0) / 1000;
// The workflow task after each one's last activity completes shortly after it; engine hosts
// started for the burst stop after the pool's idle timeout (10 s).
await settle(12_000);
let parkedMb = 0;
for (let i = 0; i < 5; i++) {
  parkedMb = Math.max(parkedMb, rssMb());
  await settle(500);
}

const t1 = performance.now();
let completed = 0;
if (mode === 'signal') {
  await each(N, 50, async (i) => {
    const handle = bench.client.workflow.getHandle(ids[i]!);
    if (kind === 'spell') await handle.signal(spellSignal, { name: 'go', payload: 1 });
    else await handle.signal('go');
  });
}
await each(N, 200, async (i) => {
  if ((await bench.client.workflow.getHandle(ids[i]!).result()) === 1) completed++;
});
const completeSeconds = (performance.now() - t1) / 1000;

const report: Report = { kind, mode, n: N, parkSeconds, idleMb, parkedMb, completed, completeSeconds };
baseWorker.shutdown();
await baseRunning;
process.stdout.write(`${JSON.stringify(report)}\n`);
await bench.close();
