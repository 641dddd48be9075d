/**
 * Runs one spell through an engine pool in this process, which the parent started with a
 * TZ of its choosing (see zone.ts), and prints the outcome's `next` and this process's own
 * UTC offset as JSON.
 */
import { EnginePool } from '../../src/engines/pool.ts';
import { runOnce } from './engine.ts';

const [engine, source] = [process.argv[2]!, process.argv[3]!];
const pool = new EnginePool({ maxThreadsPerEngine: 1 });
try {
  const outcome = await runOnce(pool, source, { engine });
  process.stdout.write(JSON.stringify({ next: outcome.next, hostOffsetMinutes: new Date(1_700_000_000_000).getTimezoneOffset() }));
} finally {
  await pool.close();
}
