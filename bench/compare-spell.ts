/**
 * A change anywhere on a spell's path (workflow, activity, engine), measured against the code
 * before it: whole runs of one spell on two spell workers, each built from its checkout, on one
 * dev server, their runs alternating (which goes first alternates too). The default spell is
 * the 10-step agent of bench/models.ts, on the same test model and host tool. Separate runs of
 * bench/models.ts moved its agent ratio by ±10%; alternating runs see the same moments of the
 * machine, and two checkouts of the same code compare within ~1%.
 *
 * Run: node --no-node-snapshot bench/compare-spell.ts <checkout A> <checkout B> [source.lua]
 * (a checkout: e.g. `git worktree add /tmp/before HEAD~1`, with this one's node_modules and
 * .tools linked in; each builds its own workflow bundle).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Worker } from '@temporalio/worker';
import type { EnginePool } from '../src/engines/pool.ts';
import { median, startBench } from './harness.ts';
import { AGENT_SPELL, inc, loopingModel } from './test-agent.ts';

const [dirA, dirB, sourceFile] = process.argv.slice(2);
if (!dirA || !dirB) {
  console.error('usage: bench/compare-spell.ts <checkout A> <checkout B> [source.lua]');
  process.exit(2);
}
const RUNS = Number(process.env.LLMSPELL_BENCH_RUNS ?? 60);
const source = sourceFile ? readFileSync(sourceFile, 'utf8') : AGENT_SPELL;

// The server and connections come from this checkout; each side's worker and client calls from its own.
const { client, native, close } = await startBench();

interface Side {
  name: string;
  run: () => Promise<number>;
  stop: () => Promise<void>;
  times: number[];
}
async function side(dir: string): Promise<Side> {
  const from = (file: string) => import(pathToFileURL(resolve(dir, file)).href);
  const { createSpellWorker } = await from('src/spell-worker.ts');
  const { providersFromEnv } = await from('src/models/providers.ts');
  const { providerOf } = await from('src/models/registry.ts');
  const { startSpell } = await from('src/client.ts');
  const taskQueue = `compare-${randomUUID()}`;
  const created = (await createSpellWorker({
    providers: { ...providersFromEnv({}), test: providerOf({ loop: loopingModel }) },
    tools: { inc },
    connection: native,
    client,
    taskQueue,
    cacheDir: resolve(dir, '.llmspell/cache'),
  })) as { worker: Worker; pool: EnginePool };
  const running = created.worker.run();
  return {
    name: dir,
    times: [],
    async run() {
      const t0 = performance.now();
      const handle = await startSpell(client, { source, fileName: 'bench.lua', engine: 'lua', taskQueue });
      await handle.result();
      return performance.now() - t0;
    },
    async stop() {
      created.worker.shutdown();
      await running;
      await created.pool.close();
    },
  };
}
const sides = [await side(dirA), await side(dirB)] as const;

for (let i = 0; i < 5; i++) for (const s of sides) await s.run();
for (let i = 0; i < RUNS; i++) for (const s of i % 2 === 0 ? sides : [sides[1], sides[0]]) s.times.push(await s.run());
const quartile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * q)]!;
const f = (n: number) => n.toFixed(2);
for (const s of sides) console.log(`${s.name}: spell run median ${f(median(s.times))} ms (p25 ${f(quartile(s.times, 0.25))}, p75 ${f(quartile(s.times, 0.75))}), ${RUNS} runs`);
console.log(`B / A at the median: ${(median(sides[1].times) / median(sides[0].times)).toFixed(3)}`);
for (const s of sides) await s.stop();
await close();
