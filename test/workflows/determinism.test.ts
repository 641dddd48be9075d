/**
 * Every run's history must replay on the same workflow code with Temporal's Replayer: a worker
 * that lost its cache (a restart, an eviction, a query on a closed run) replays it. Branches
 * running at once are where completion order could leak into what the workflow schedules.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../../src/workflow-bundle.ts';
import { runSinks } from '../../src/activities/index.ts';
import { RunCache } from '../../src/activities/run-cache.ts';
import { SPELL_EXTENSIONS } from '../../src/engines/registry.ts';
import { cacheDir, startTestWorker, type TestWorker } from '../helpers/worker.ts';

const spells = join(import.meta.dirname, '../conformance/spells');
let w: TestWorker;
beforeAll(async () => {
  w = await startTestWorker({ tools: { add: (a) => (a as { a: number }).a + (a as { b: number }).b } });
});
afterAll(async () => w?.close());

it('histories of parallel runs (branches at once, a concurrency limit, quick and slow calls) replay without nondeterminism', async () => {
  const bundle = await workflowBundle(cacheDir);
  // Several at once in every engine: branch completion order varies from run to run.
  const handles = await Promise.all(
    Object.entries(SPELL_EXTENSIONS).flatMap(([engine, ext]) =>
      ['parallel_basic', 'parallel_map', 'parallel_nested'].flatMap((name) =>
        Array.from({ length: 2 }, () => w.start({ source: readFileSync(join(spells, `${name}${ext}`), 'utf8'), fileName: join(spells, `${name}${ext}`), engine })),
      ),
    ),
  );
  await Promise.all(handles.map((h) => h.result()));
  const failures: string[] = [];
  for (const h of handles) {
    await Worker.runReplayHistory({ workflowBundle: bundle, sinks: runSinks(new RunCache()) }, await h.fetchHistory(), h.workflowId).catch((error: Error) => failures.push(`${h.workflowId}: ${error.message}`));
  }
  expect(failures).toEqual([]);
}, 300_000);
