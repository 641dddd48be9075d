/** Several runs share one engine process, each in its own isolate; a runaway kills only its process. */
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { EnginePool } from '../../../src/engines/pool.ts';
import { errorOf, resultOf, runOnce } from '../../helpers/engine.ts';

const pool = new EnginePool({ maxThreadsPerEngine: 4, runsPerProcess: 4 });
afterAll(() => pool.close());

/** Engine processes this test process started. */
function engineProcesses(): number {
  let count = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = /PPid:\s+(\d+)/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (Number(ppid) === process.pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('thread.')) count++;
    } catch {
      // gone meanwhile
    }
  }
  return count;
}

const after = (ms: number) => async () => {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return { ok: true as const, value: 'late' };
};

describe('javascript engine processes', () => {
  it('runs several spells at once in one process, each in its own isolate', { timeout: 30_000 }, async () => {
    const outcomes = await Promise.all(
      [1, 2, 3, 4].map((n) =>
        runOnce(pool, `globalThis.mine = ${n}; await tool.call("t", {}); return globalThis.mine`, { engine: 'javascript', effect: after(300) }),
      ),
    );
    expect(outcomes.map(resultOf)).toEqual([1, 2, 3, 4]);
    expect(engineProcesses()).toBe(1);
  });

  it('gives a run that waited behind another one in its process its own CPU time', { timeout: 30_000 }, async () => {
    const busy = runOnce(pool, 'let n = 0; for (let i = 0; i < 2e9; i++) n += i; return n > 0', { engine: 'javascript', limits: { timeoutMs: 8000 } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Its wall time behind the busy one is far over its 200 ms limit; its CPU time is not.
    const quick = runOnce(pool, 'let n = 0; for (let i = 0; i < 1e5; i++) n += i; return n', { engine: 'javascript', limits: { timeoutMs: 200 } });
    expect(resultOf(await quick)).toBe(4999950000);
    expect(resultOf(await busy)).toBe(true);
  });

  it('kills a process whose isolate ignores its limits: that run times out, the others there fail retryably', { timeout: 30_000 }, async () => {
    const waiting = runOnce(pool, 'await tool.call("t", {}); return 1', { engine: 'javascript', effect: after(4000) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const runaway = await runOnce(pool, 'const fs = []; for (;;) { const big = new Array(1000).fill(1); fs.push(() => big) }', {
      engine: 'javascript',
      limits: { timeoutMs: 300, memoryLimitBytes: 32 * 1024 * 1024 },
    });
    expect(errorOf(runaway).type).toBe('SpellTimeout');
    const lost = await waiting.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(lost).toBeInstanceOf(ApplicationFailure);
    expect((lost as ApplicationFailure).type).toBe('SpellHostError');
    expect((lost as ApplicationFailure).nonRetryable).toBe(false);
    expect(resultOf(await runOnce(pool, 'return 1 + 1', { engine: 'javascript' }))).toBe(2);
  });
});
