/**
 * Runs in flight survive worker upgrades: histories recorded by earlier releases
 * (test/fixtures/histories, made by its record.ts) must replay on the current workflow code
 * with Temporal's own Replayer — a finished run per engine, a run parked on signal.wait and a
 * failed run. A change that breaks one needs `patched()` in the workflow.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { workflowBundle } from '../../src/workflow-bundle.ts';
import { runSinks } from '../../src/activities/index.ts';
import { RunCache } from '../../src/activities/run-cache.ts';
import { cacheDir } from '../helpers/worker.ts';

const dir = join(import.meta.dirname, '../fixtures/histories');
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

let bundle: { code: string };
beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  bundle = await workflowBundle(cacheDir);
});

it('has recorded histories: a finished run per engine, a parked run, a failed run', () => {
  const names = fixtures.map((f) => f.replace(/^v[\d.]+-/, '').replace(/\.json$/, ''));
  for (const name of ['finished-lua', 'finished-javascript', 'finished-tengo', 'parked-lua', 'failed-lua']) expect(names).toContain(name);
});

it.each(fixtures)('replays %s on the current workflow code', async (file) => {
  const { workflowId, history } = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { workflowId: string; history: unknown };
  await Worker.runReplayHistory({ workflowBundle: bundle, sinks: runSinks(new RunCache()) }, history, workflowId);
});
