/** One hostile-script case: a typed error within the limit (plus a margin), then a healthy engine. */
import { expect } from 'vitest';
import type { EnginePool } from '../../src/engines/pool.ts';
import type { Limits } from '../../src/contract/settings.ts';
type EngineName = string;
import { errorOf, resultOf, runOnce } from './engine.ts';

/** [name, source, error type, message pattern, limits profile] */
export type HostileCase = [string, string, string, RegExp, ('tight' | 'roomy')?];

const PROFILES: Record<'tight' | 'roomy', Partial<Limits>> = {
  // Time-limit cases use a short limit; memory cases a roomy one so memory, not time, runs out.
  // Output cases go over 1 MiB: a limit well below the memory limit.
  tight: { timeoutMs: 300, memoryLimitBytes: 32 * 1024 * 1024, outputLimitBytes: 1024 * 1024 },
  roomy: { timeoutMs: 10_000, memoryLimitBytes: 32 * 1024 * 1024, outputLimitBytes: 1024 * 1024 },
};
/** Killing and replacing a thread or process, and engine start-up, fit in this. */
const MARGIN_MS = 3000;

export async function hostileCase(
  pool: EnginePool,
  engine: EngineName,
  _name: string,
  source: string,
  type: string,
  message: RegExp,
  profile: 'tight' | 'roomy' = 'tight',
): Promise<void> {
  const limits = PROFILES[profile];
  const started = performance.now();
  const error = errorOf(
    await runOnce(pool, source, {
      engine,
      limits,
      effect: async () => ({ ok: true, value: null }),
    }),
  );
  const elapsedMs = performance.now() - started;
  // A few cases may end on either limit first (e.g. a growing promise chain): `A|B`.
  expect(type.split('|'), error.message).toContain(error.type);
  expect(error.message).toMatch(message);
  expect(elapsedMs).toBeLessThan(limits.timeoutMs! + MARGIN_MS);
  expect(resultOf(await runOnce(pool, 'return 1 + 1', { engine }))).toBe(2);
}
