/**
 * Memory per engine, each engine in a process of its own (so no figure includes another
 * engine's growth): the worker's idle RSS, RSS per idle pooled engine host, RSS per run
 * waiting on an effect, and the peak RSS of 100 concurrent 5-step spells on one worker
 * against a real Temporal dev server (the server's own memory is not counted).
 * Run: node --no-node-snapshot bench/memory.ts [lua|javascript|tengo]  (all three by default)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { EnginePool } from '../src/engines/pool.ts';
import { benchRequest } from './request.ts';
import { SPELL_EXTENSIONS } from '../src/engines/registry.ts';
import { startSpell } from '../src/client.ts';

type EngineName = 'lua' | 'javascript' | 'tengo';
const ENGINES: EngineName[] = ['lua', 'javascript', 'tengo'];
const TARGET_MB = 1536;

const engine = process.argv[2] as EngineName | undefined;
if (!engine) {
  console.log(`llmspell memory benchmarks (${new Date().toISOString()}, Node ${process.version}), one process per engine`);
  for (const name of ENGINES) {
    execFileSync(process.execPath, [...process.execArgv, import.meta.filename, name], { stdio: 'inherit' });
  }
  process.exit(0);
}

const { startBench } = await import('./harness.ts');

function rssKb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0; // the process ended meanwhile
  }
}
/** This process and its children (engine processes), less the ones named in `except` (the Temporal server). */
function totalRssMb(except: Set<number>): number {
  const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(process.pid)], { encoding: 'utf8' })
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((pid) => pid > 0 && !except.has(pid));
  return (rssKb(process.pid) + children.reduce((sum, pid) => sum + rssKb(pid), 0)) / 1024;
}
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const f = (n: number, d = 0) => n.toFixed(d);

const bench = await startBench({ maxConcurrentSteps: 32 });
const except = new Set([bench.server.process.pid!]);
await settle(1000);
const idleWorker = totalRssMb(except);

// Idle hosts: 8 more, ready, measured as the growth of the process tree.
let before = totalRssMb(except);
const idle = new EnginePool({ maxThreadsPerEngine: 8 });
await Promise.all(Array.from({ length: 8 }, () => idle.warm([engine])));
await settle(500);
const perHostMb = (totalRssMb(except) - before) / 8;
await idle.close();
await settle(500);

// Runs waiting on an effect: each holds its engine (a thread, or an isolate in a shared process).
const WAITING = 16;
before = totalRssMb(except);
const parked = new EnginePool({ maxThreadsPerEngine: WAITING });
let release!: () => void;
const gate = new Promise<void>((resolve) => (release = resolve));
let waitingNow = 0;
let allWaiting!: () => void;
const waitingAll = new Promise<void>((resolve) => (allWaiting = resolve));
const source = {
  lua: 'return tool.call("t", {})',
  javascript: 'return await tool.call("t", {})',
  tengo: 'return tool.call("t", {})',
}[engine];
const runs = Array.from({ length: WAITING }, () =>
  parked.run(benchRequest(engine, source), {
    effect: async () => {
      if (++waitingNow === WAITING) allWaiting();
      await gate;
      return { ok: true, value: 1 };
    },
    checkpoint: () => {},
  }),
);
await waitingAll;
await settle(500);
const perWaitingMb = (totalRssMb(except) - before) / WAITING;
release();
await Promise.all(runs);
await parked.close();
await settle(500);

// 100 concurrent spells (5 model calls each) on the worker.
const spell = {
  lua: 'local t = {} for i = 1, 5 do t[i] = llm.generate{ prompt = "p" .. i }.text end return #t',
  javascript: 'const t = []; for (let i = 1; i <= 5; i++) t.push((await llm.generate({ prompt: "p" + i })).text); return t.length',
  tengo: 't := []; for i := 1; i <= 5; i++ { t = append(t, llm.generate({prompt: "p" + i}).text) }; return len(t)',
}[engine];
let peak = totalRssMb(except);
const sampler = setInterval(() => (peak = Math.max(peak, totalRssMb(except))), 100);
const t0 = performance.now();
const handles = await Promise.all(
  Array.from({ length: 100 }, (_, i) => startSpell(bench.client, { source: spell, fileName: `c${i}${SPELL_EXTENSIONS[engine]}`, engine, taskQueue: bench.taskQueue })),
);
const results = await Promise.all(handles.map((h) => h.result()));
const seconds = (performance.now() - t0) / 1000;
clearInterval(sampler);
const ok = results.filter((r) => r === 5).length;

console.log(
  `memory ${engine.padEnd(10)} idle worker ${f(idleWorker)} MB · per idle engine ${engine === 'javascript' ? 'process' : 'thread'} ${f(perHostMb, 1)} MB · per run waiting on an effect ${f(perWaitingMb, 1)} MB`,
);
console.log(
  `  100 concurrent 5-step spells, ${engine}: ${ok}/100 in ${f(seconds, 1)} s · peak RSS (worker + engine processes, not the server) ${f(peak)} MB (target <= ${TARGET_MB} MB)`,
);
await bench.close();
