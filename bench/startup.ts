/**
 * Start-up (issue: Performance): `llmspell run` of a one-call spell as a user runs it, a
 * fresh process each time, median of 5 after a warm-up:
 *  - with a Temporal dev server already running;
 *  - including starting the dev server (a new port each time, so the CLI starts one);
 *  - importing the `run` command's modules alone.
 * The machine's load shows in wall time: the CPU time of each figure is printed too.
 * Run: node --no-node-snapshot bench/startup.ts
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startDevServer } from '../src/server/dev-server.ts';

const root = join(import.meta.dirname, '..');
const node = process.execPath;
const RUNS = 5;
const f = (n: number, d = 2) => n.toFixed(d);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = mkdtempSync(join(tmpdir(), 'llmspell-startup-'));
const spellFile = join(dir, 'one.lua');
writeFileSync(spellFile, 'return llm.generate{ prompt = "hi" }.text\n');
const home = join(dir, 'home');
// The workflow bundle is built once per version and cached: a user's later runs find it.
const cached = join(root, '.llmspell/cache');
if (existsSync(cached)) cpSync(cached, join(home, 'cache'), { recursive: true });
const temporalBin = join(root, '.tools/temporal');
const env = { ...process.env, PATH: `${temporalBin}:${process.env.PATH ?? ''}`, LLMSPELL_HOME: home };

/** Wall and CPU seconds of a command, from the OS's accounting of the finished child. */
function timed(args: string[], extraEnv: Record<string, string> = {}): { wall: number; cpu: number } {
  const t0 = performance.now();
  const out = spawnSync('bash', ['-c', `TIMEFORMAT='%U %S'; { time "$@" >/dev/null 2>>${JSON.stringify(join(dir, 'stderr.log'))}; } 2>&1`, '_', ...args], {
    env: { ...env, ...extraEnv },
    encoding: 'utf8',
  });
  const wall = (performance.now() - t0) / 1000;
  const [user, sys] = out.stdout.trim().split(/\s+/).map(Number);
  if (out.status !== 0) throw new Error(`${args.join(' ')} failed: ${out.stdout} ${out.stderr}`);
  return { wall, cpu: (user ?? 0) + (sys ?? 0) };
}

function series(label: string, target: string, make: () => { args: string[]; env?: Record<string, string>; after?: () => void }): void {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const { args, env: extra, after } = make();
    const t = timed(args, extra);
    after?.();
    if (i === 0) continue; // warm-up: compile caches, the bundle
    walls.push(t.wall);
    cpus.push(t.cpu);
  }
  console.log(`${label}: median ${f(median(walls))} s wall (min ${f(Math.min(...walls))}), ${f(median(cpus))} s CPU (target ${target})`);
}

console.log(`llmspell start-up (${new Date().toISOString()}, Node ${process.version}, load ${(await import('node:os')).loadavg()[0]!.toFixed(1)})`);

// Importing the run command's modules alone.
series('import the CLI and its run command', 'none: it is part of the next figure', () => ({
  // As bin.ts does: V8's compile cache on.
  env: { NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), 'node-compile-cache') },
  args: [node, '--disable-warning=ExperimentalWarning', '--input-type=module', '-e', `await import(${JSON.stringify(join(root, 'src/cli/main.ts'))}); await import(${JSON.stringify(join(root, 'src/cli/commands/run.ts'))})`],
}));

// With a server already running.
const server = await startDevServer({ port: await freePort(), executable: join(temporalBin, 'temporal') });
// As users run it from the repo: the ./llmspell launcher.
const run = [join(root, 'llmspell'), 'run', spellFile];
series('llmspell run, one model call, server running', '<= 1.0 s', () => ({ args: [...run, '--address', server.address] }));
await server.stop();

// Including starting the dev server: a port nothing listens on, so the CLI starts one (detached, as for users).
function stopDetached(port: number): void {
  const pids = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes('start-dev') && line.includes(`--port ${port} `))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
  for (const pid of pids) process.kill(pid, 'SIGTERM');
}
const ports: number[] = [];
for (let i = 0; i <= RUNS; i++) ports.push(await freePort());
let next = 0;
series('llmspell run, one model call, starting the dev server', '<= 4.0 s', () => {
  const port = ports[next++]!;
  return { args: run, env: { LLMSPELL_DEV_PORT: String(port) }, after: () => stopDetached(port) };
});
