/**
 * Connects to Temporal: the server the connection settings name (`--address`, a profile of
 * `temporal.toml`, `TEMPORAL_*` variables; see ./connection.ts), otherwise a local dev server
 * from the `temporal` CLI, started once with its database in a file (so runs survive
 * restarts) and reused while it runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { connect as connectTcp, createServer } from 'node:net';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { CliError } from '../errors/index.ts';
import { connectionOptions, connectionSettings, type ConnectionFlags, type TemporalConnectionSettings } from './connection.ts';

export interface TemporalTarget extends TemporalConnectionSettings {
  address: string;
  /** True when this process started the dev server. */
  started: boolean;
  /** True for the local dev server llmspell uses when no settings name a server. */
  local: boolean;
}

export interface ConnectOptions extends ConnectionFlags {
  /** Folder of the dev server's database and log. */
  stateDir: string;
  /** Port of the local dev server. Default 7233 (`LLMSPELL_DEV_PORT`). */
  devPort?: number;
  /** Environment the settings are read from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** Search attributes the dev server registers: usage totals (SpellRunOptions.searchAttributes), and the spell file and engine set at start. */
export const DEV_SERVER_SEARCH_ATTRIBUTES: Readonly<Record<string, string>> = {
  llmspellTokens: 'Int',
  llmspellCostUsd: 'Double',
  llmspellSpell: 'Keyword',
  llmspellEngine: 'Keyword',
};

/** Whether something accepts TCP connections there: a refused port answers at once, where gRPC waits out its timeout. */
function listening(address: string): Promise<boolean> {
  const colon = address.lastIndexOf(':');
  return new Promise((resolve) => {
    const socket = connectTcp(Number(address.slice(colon + 1)), address.slice(0, colon).replace(/^\[|\]$/g, ''));
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function reachable(address: string, timeoutMs: number): Promise<boolean> {
  if (!(await listening(address))) return false;
  try {
    const connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    await connection.workflowService.getSystemInfo({});
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

export interface DevServerOptions {
  port: number;
  /** Database file; in memory when absent. */
  dbFile?: string;
  /** Keep running after this process exits (the CLI's shared server). Otherwise the server ends when this process exits, even without `stop()` (not when the process is killed by a signal). */
  detached?: boolean;
  /** Where the server's output goes; discarded when absent. */
  logFile?: string;
  /** Default: `temporal` on PATH, or `LLMSPELL_TEMPORAL_BIN`. */
  executable?: string;
  /** Server dynamic config (`--dynamic-config-value KEY=VALUE`), over DEV_SERVER_DYNAMIC_CONFIG. */
  dynamicConfig?: Record<string, string | number | boolean>;
  /** SQLite pragmas of the database file (`--sqlite-pragma`: `journal_mode`, `synchronous`), over DEV_SERVER_SQLITE_PRAGMAS. */
  sqlitePragmas?: Record<string, string>;
}

/**
 * Dynamic config of the dev server (bench/dispatch.ts measures each).
 * `history.transferProcessorMaxPollRPS`: history reads a shard's transfer queue — the tasks that
 * hand every workflow and activity task to matching — at most 20 times a second (after a short
 * burst). The dev server has one shard, so a run that has spent the burst waits for the next
 * 50 ms read slot at every dispatch: 51 ms per step instead of ~25. Reads still happen only when
 * tasks are written and take up to 100 tasks each, so a higher cap costs nothing when idle.
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Readonly<Record<string, string | number | boolean>> = {
  'history.transferProcessorMaxPollRPS': 1000,
};

/**
 * SQLite pragmas of the database file. SQLite's defaults (rollback journal, synchronous=full)
 * sync the disk several times per commit and Temporal commits at every hop of a step: ~85 ms
 * per step against ~25 in memory. A write-ahead log synced only at checkpoints never corrupts
 * and survives the server process crashing or being killed; a power cut or OS crash may lose
 * the last commits (`synchronous: 'full'` keeps them, at ~10 ms per step).
 */
export const DEV_SERVER_SQLITE_PRAGMAS: Readonly<Record<string, string>> = { journal_mode: 'wal', synchronous: 'normal' };

/** Starts `temporal server start-dev` and resolves once it answers. */
export async function startDevServer(options: DevServerOptions): Promise<{ address: string; process: ChildProcess; stop(): Promise<void> }> {
  const address = `127.0.0.1:${options.port}`;
  const output = options.logFile ? openSync(options.logFile, 'a') : 'ignore';
  const child = spawn(
    options.executable ?? process.env.LLMSPELL_TEMPORAL_BIN ?? 'temporal',
    [
      'server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--log-level', 'error',
      ...Object.entries(DEV_SERVER_SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
      ...(options.dbFile ? ['--db-filename', options.dbFile, '--ui-port', String(options.port + 1000)] : ['--headless']),
      ...Object.entries({ ...DEV_SERVER_DYNAMIC_CONFIG, ...options.dynamicConfig }).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]),
      ...(options.dbFile ? Object.entries({ ...DEV_SERVER_SQLITE_PRAGMAS, ...options.sqlitePragmas }).flatMap(([key, value]) => ['--sqlite-pragma', `${key}=${value}`]) : []),
    ],
    { detached: options.detached ?? false, stdio: ['ignore', output, output] },
  );
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(new Error(`cannot start the Temporal dev server (${error.message}); run scripts/bootstrap.sh or set TEMPORAL_ADDRESS`)),
    );
    child.once('exit', (code) => reject(new Error(`the Temporal dev server exited (code ${code})${options.logFile ? `; see ${options.logFile}` : ''}`)));
  });
  failed.catch(() => {});
  if (options.detached) child.unref();
  // A server started for this process alone ends with it, also when the process exits without
  // stopping it (an uncaught error, process.exit): otherwise it runs on, unseen, taking its share
  // of the machine. A process killed by a signal runs no exit handler: its server stays.
  const orphaned = () => void child.kill('SIGTERM');
  if (!options.detached) {
    process.once('exit', orphaned);
    const forget = () => process.off('exit', orphaned);
    child.once('exit', forget);
    child.once('error', forget);
  }
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (await Promise.race([reachable(address, 1000), failed])) return { address, process: child, stop };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stop();
  throw new Error(`the Temporal dev server did not come up on ${address} within 60 s`);
}

/** The server the settings name, or the local dev server (started when it does not run). */
export async function ensureTemporal(options: ConnectOptions): Promise<TemporalTarget> {
  const env = options.env ?? process.env;
  const settings = connectionSettings(options, env);
  if (settings.address) return { ...settings, address: settings.address, started: false, local: false };
  const port = options.devPort ?? Number(env.LLMSPELL_DEV_PORT ?? 7233);
  const address = `127.0.0.1:${port}`;
  const target = { ...settings, address, local: true };
  if (await reachable(address, 1000)) return { ...target, started: false };
  mkdirSync(options.stateDir, { recursive: true });
  await startDevServer({
    port,
    dbFile: join(options.stateDir, 'temporal.db'),
    logFile: join(options.stateDir, 'temporal.log'),
    detached: true,
  });
  return { ...target, started: true };
}

/** A client connection to the target, with its TLS, API key and metadata. A server that cannot be reached is TemporalUnavailable. */
export async function clientConnection(target: TemporalTarget): Promise<Connection> {
  try {
    return await Connection.connect(connectionOptions(target));
  } catch (error) {
    throw unavailable(target, error);
  }
}

/** A worker connection to the target, with the same settings as clients. */
export async function workerConnection(target: TemporalTarget): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect(connectionOptions(target));
  } catch (error) {
    throw unavailable(target, error);
  }
}

function unavailable(target: TemporalTarget, error: unknown): CliError {
  const how = [target.tls ? 'TLS' : undefined, target.apiKey !== undefined ? 'API key' : undefined].filter(Boolean).join(', ');
  // The SDK wraps the gRPC error ("Failed to connect…"): its cause says why (a refused API key, a TLS failure).
  const reasons: string[] = [];
  for (let e: unknown = error; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    const reason = (e as { details?: unknown }).details ?? e.message;
    if (typeof reason === 'string' && reason && !reasons.includes(reason)) reasons.push(reason);
  }
  return new CliError('TemporalUnavailable', `cannot connect to Temporal at ${target.address}${how ? ` (${how})` : ''}: ${reasons.join(': ')}`, { cause: error });
}
