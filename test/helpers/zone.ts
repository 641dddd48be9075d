/** Runs a spell in a fresh process whose time zone (TZ) is `zone`: engines, threads and child processes included. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Next } from '../../src/contract/run.ts';

type EngineName = string;

const child = fileURLToPath(new URL('./zone-child.ts', import.meta.url));

export interface ZoneRun {
  next: Next;
  /** getTimezoneOffset() of the process that hosts the pool: proves the zone took effect there. */
  hostOffsetMinutes: number;
}

export function runInZone(zone: string, engine: EngineName, source: string): Promise<ZoneRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--no-node-snapshot', '--disable-warning=ExperimentalWarning', child, engine, source],
      { env: { ...process.env, TZ: zone }, timeout: 60_000 },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout) as ZoneRun)),
    );
  });
}
