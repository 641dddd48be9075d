/** Several runs share one engine process, each in its own isolate; a runaway kills only its process. */
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { EnginePool } from '../../../src/engines/pool.ts';
import { errorOf, resultOf, runOnce } from '../../helpers/engine.ts';

const pool = new EnginePool({ maxThreadsPerEngine: 4, runsPerProcess: 4 });
afterAll(() => pool.close());

/** Engine processes this test process started. */
function enginePids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const ppid = /PPid:\s+(\d+)/.exec(status)?.[1];
      const zombie = /State:\s+Z/.test(status);
      if (Number(ppid) === process.pid && !zombie && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('thread.')) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
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
    expect(enginePids()).toHaveLength(1);
  });

  it('gives a run that waited behind another one in its process its own CPU time', { timeout: 60_000 }, async () => {
    // `quick` awaits an effect whose answer arrives while `busy` holds the process for seconds:
    // its wall clock passes its 200 ms limit (plus the grace), its CPU time does not.
    const quick = runOnce(pool, 'return await step("s", async () => { await tool.call("a", {}); await tool.call("b", {}); return 7 })', {
      engine: 'javascript',
      limits: { timeoutMs: 200 },
      effect: after(100),
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const busy = runOnce(pool, 'let n = 0; for (let i = 0; i < 3e9; i++) n += i; return n > 0', { engine: 'javascript', limits: { timeoutMs: 30_000 } });
    expect(resultOf(await quick)).toBe(7);
    expect(resultOf(await busy)).toBe(true);
  });

  it('kills a process that stops answering while its running runs are past their limits: they time out, the others there fail retryably', { timeout: 30_000 }, async () => {
    const waiting = runOnce(pool, 'await tool.call("t", {}); return 1', { engine: 'javascript', effect: after(5000) });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const runaway = runOnce(pool, 'while (true) {}', { engine: 'javascript', limits: { timeoutMs: 300 } });
    // An isolate that ignores its limits (one thrashing at its heap limit) leaves its process
    // unresponsive; a stopped process is the same to the host, and is reliably so.
    const [pid] = enginePids();
    process.kill(pid!, 'SIGSTOP');
    const started = performance.now();
    expect(errorOf(await runaway).type).toBe('SpellTimeout');
    expect(performance.now() - started).toBeLessThan(300 + 1000 + 500 + 2000);
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
