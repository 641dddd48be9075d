/** The engine pool: hosts are started for runs that need them, not for a burst of quick ones. */
import { afterEach, expect, it } from 'vitest';
import { EnginePool } from '../../src/engines/pool.ts';
import { resultOf, runOnce } from '../helpers/engine.ts';

let pool: EnginePool;
afterEach(() => pool.close());

it('runs a burst of quick runs on the hosts it has instead of starting one per run', async () => {
  pool = new EnginePool();
  await pool.warm(['lua']);
  for (let round = 0; round < 5; round++) {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => runOnce(pool, `return ${i} * 2`)));
    expect(results.map(resultOf)).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
  }
  // One host, or two or three when runs waited past 50 ms on a loaded machine: not one per run
  // waiting (six in this burst before the pool waited for busy hosts), nor the 16 it may hold.
  expect(pool.hostCount('lua')).toBeLessThanOrEqual(3);
});

it('gives runs that wait on slow effects a host each', async () => {
  pool = new EnginePool();
  await pool.warm(['lua']);
  const slowEffect = async () => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    return { ok: true as const, value: 'done' };
  };
  const results = await Promise.all(Array.from({ length: 4 }, () => runOnce(pool, 'return tool.call("slow", {})', { effect: slowEffect })));
  expect(results.map(resultOf)).toEqual(['done', 'done', 'done', 'done']);
  expect(pool.hostCount('lua')).toBe(4);
});
