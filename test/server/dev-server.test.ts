import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/worker.ts';

/** The process runs (a zombie, ended but not yet reaped by whoever adopted it, does not). */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return true;
  }
};

const listening = (address: string) =>
  new Promise<boolean>((resolve) => {
    const [host, port] = address.split(':');
    const socket = connect(Number(port), host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe('dev server', () => {
  it('started for a process that then fails without stopping it, ends with that process', async () => {
    // A process starts its own server, prints where, and dies of an uncaught error.
    const script = `
      const { freePort, startDevServer } = await import(${JSON.stringify(join(repoRoot, 'src/server/dev-server.ts'))});
      const server = await startDevServer({ port: await freePort(), executable: ${JSON.stringify(process.env.LLMSPELL_TEMPORAL_BIN ?? join(repoRoot, '.tools/temporal/temporal'))} });
      console.log(JSON.stringify({ pid: server.process.pid, address: server.address }));
      throw new Error('the process fails');`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    const { pid, address } = JSON.parse(stdout) as { pid: number; address: string };
    try {
      expect(code).toBe(1);
      expect(stderr).toContain('the process fails');
      const deadline = Date.now() + 10_000;
      while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(alive(pid)).toBe(false);
      expect(await listening(address)).toBe(false);
    } finally {
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  }, 60_000);
});
