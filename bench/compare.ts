/**
 * A change to an engine, measured against the code before it: the pooled run round trip of two
 * checkouts side by side in one process, their runs alternating (which goes first alternates
 * too), each after the same pause as in bench/engines.ts. On this noisy 2-core machine, figures
 * of separate runs of bench/engines.ts moved by ±30% from one run to the next; alternating runs
 * see the same moments of the machine, so a change of 0.1 ms shows.
 *
 * Run: node --no-node-snapshot bench/compare.ts <checkout A> <checkout B> [engine=lua] [source='return 1']
 * (a checkout: e.g. `git worktree add /tmp/before HEAD~1`, with this one's node_modules linked in).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EnginePool } from '../src/engines/pool.ts';
import type { EffectResult, RunRequest } from '../src/runtime/protocol.ts';

const [dirA, dirB, engine = 'lua', source = 'return 1'] = process.argv.slice(2);
if (!dirA || !dirB) {
  console.error('usage: bench/compare.ts <checkout A> <checkout B> [engine] [source]');
  process.exit(2);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const RUNS = Number(process.env.LLMSPELL_BENCH_RUNS ?? 400);
const PAUSE_MS = 5;

interface Side {
  name: string;
  pool: EnginePool;
  request: () => RunRequest;
  times: number[];
}
async function side(dir: string): Promise<Side> {
  const from = (file: string) => import(pathToFileURL(resolve(dir, file)).href);
  const { EnginePool: Pool } = (await from('src/engines/pool.ts')) as { EnginePool: typeof EnginePool };
  const { benchRequest } = (await from('bench/request.ts')) as { benchRequest: (engine: string, source: string) => RunRequest };
  return { name: dir, pool: new Pool({ maxThreadsPerEngine: 1 }), request: () => benchRequest(engine!, source), times: [] };
}
const sides = [await side(dirA), await side(dirB)] as const;

const effect = async (): Promise<EffectResult> => ({ ok: true, value: 1 });
async function timeRun(s: Side): Promise<number> {
  const t0 = performance.now();
  const outcome = await s.pool.run(s.request(), { effect, checkpoint: () => {} });
  if (outcome.next.type !== 'done') throw new Error(`${s.name}: ${JSON.stringify(outcome.next)}`);
  return performance.now() - t0;
}

for (let i = 0; i < 20; i++) for (const s of sides) await timeRun(s);
for (let i = 0; i < RUNS; i++) {
  for (const s of i % 2 === 0 ? sides : [sides[1], sides[0]]) {
    await new Promise((r) => setTimeout(r, PAUSE_MS));
    s.times.push(await timeRun(s));
  }
}
const quartile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * q)]!;
const f = (n: number) => n.toFixed(3);
for (const s of sides) {
  console.log(`${s.name}: ${engine} run p50 ${f(median(s.times))} ms (p25 ${f(quartile(s.times, 0.25))}, p75 ${f(quartile(s.times, 0.75))}), ${RUNS} runs`);
}
console.log(`B / A at p50: ${(median(sides[1].times) / median(sides[0].times)).toFixed(3)}`);
await Promise.all(sides.map((s) => s.pool.close()));
