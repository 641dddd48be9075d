/** Runs `./llmspell …` as a user would, in a child process. */
import { spawn } from 'node:child_process';
import { inject } from 'vitest';
import { repoRoot } from './worker.ts';
import { join } from 'node:path';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Variables over the test process's. */
  env?: Record<string, string>;
  /** Against the test run's Temporal server (TEMPORAL_ADDRESS), the default; false drops every TEMPORAL_* variable first. */
  plain?: boolean;
}

export function llmspell(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => options.plain !== false || !name.startsWith('TEMPORAL_')));
  return new Promise((resolve) => {
    const child = spawn(join(repoRoot, 'llmspell'), args, {
      env: { ...base, ...(options.plain !== false ? { TEMPORAL_ADDRESS: inject('temporalAddress') } : {}), ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
