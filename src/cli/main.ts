/**
 * The `llmspell` command: run, worker, start, signal, history.
 * Exit codes: 0 success · 1 spell failed · 2 bad input or usage · 3 limit hit · 4 nondeterminism.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Json } from '../journal/types.ts';
import { EXIT_CODES, SpellError, exitCodeForFailureType } from '../errors/index.ts';
import { engineFor, startSpell } from '../client.ts';
import { ensureTemporal, workerConnection } from '../server/dev-server.ts';
import { createSpellWorker } from '../spell-worker.ts';
import { EnginePool } from '../engines/pool.ts';
import { runFromHistory } from '../activities/history.ts';
import { DEFAULT_PRICES } from '../models/prices.ts';
import { canonicalJson } from '../journal/canonical.ts';
import { providersFromEnv } from '../models/providers.ts';
import type { McpServerConfig } from '../bridge/effects.ts';
import { USAGE_SEARCH_ATTRIBUTES, spellSignal, type SpellRunOptions } from '../workflows/api.ts';
import { followProgress } from './progress.ts';
import { readHistory } from './history.ts';

const USAGE = `usage: llmspell <command> [options]

  run <file> [--input JSON] [--json] [--engine lua|js|tengo] [--model ID] [--timeout MS] [--memory BYTES]
             [--max-tokens N] [--max-cost USD] [--id RUN-ID] [--address HOST:PORT] [--task-queue NAME]
      run a spell with an in-process worker, showing each step; prints the result
  start <file> [same options]   start a spell for a running worker; prints its run id
  worker [--address HOST:PORT]  run a worker until interrupted
  signal <run-id> <name> [JSON] deliver a signal to signal.wait(name)
  history <run-id> [--json]     print a run's journal, read from Temporal history
  replay <run-id> [--source FILE] [--json]
                                re-execute a run offline against its journal (no model or tool
                                calls); with --source, check a changed spell against it

Temporal: TEMPORAL_ADDRESS (or --address) uses an existing server; otherwise a local dev
server is started from the \`temporal\` CLI (database under $LLMSPELL_HOME, default ~/.llmspell).
Exit codes: 0 success, 1 spell failed, 2 bad input or usage, 3 limit or budget hit, 4 nondeterminism.`;

class UsageError extends Error {}

const home = () => process.env.LLMSPELL_HOME ?? join(homedir(), '.llmspell');

const runOptions = {
  input: { type: 'string' },
  json: { type: 'boolean' },
  engine: { type: 'string' },
  model: { type: 'string' },
  timeout: { type: 'string' },
  memory: { type: 'string' },
  address: { type: 'string' },
  'task-queue': { type: 'string' },
  id: { type: 'string' },
  'max-tokens': { type: 'string' },
  'max-cost': { type: 'string' },
} as const;

function parse<O extends ParseArgsOptionsConfig>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${flag}: expected a positive integer, got "${value}"`);
  return n;
}

async function loadSpell(args: string[]) {
  const { values, positionals } = parse(args, runOptions);
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError('expected exactly one spell file');
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let input: Json | undefined;
  if (values.input !== undefined) {
    try {
      input = JSON.parse(values.input) as Json;
    } catch (error) {
      throw new UsageError(`--input is not valid JSON: ${(error as Error).message}`);
    }
  }
  const timeoutMs = positiveInt('timeout', values.timeout);
  const memoryLimitBytes = positiveInt('memory', values.memory);
  const maxTokens = positiveInt('max-tokens', values['max-tokens']);
  const maxCost = values['max-cost'] === undefined ? undefined : Number(values['max-cost']);
  if (maxCost !== undefined && !(maxCost > 0)) throw new UsageError(`--max-cost: expected a positive number of dollars, got "${values['max-cost']}"`);
  const options: SpellRunOptions = {
    ...(values.model ? { defaultModel: values.model } : {}),
    ...(maxTokens || maxCost ? { budget: { ...(maxTokens ? { maxTokens } : {}), ...(maxCost ? { maxCost } : {}) } } : {}),
    ...(timeoutMs || memoryLimitBytes
      ? { limits: { ...(timeoutMs ? { timeoutMs } : {}), ...(memoryLimitBytes ? { memoryLimitBytes } : {}) } }
      : {}),
  };
  return { file, source, input, options, engine: engineFor(file, values.engine), values };
}

/** `LLMSPELL_MCP_SERVERS`: JSON, name → {command, args?, env?} or {url, headers?}. */
function mcpServersFromEnv(): Record<string, McpServerConfig> {
  const text = process.env.LLMSPELL_MCP_SERVERS;
  if (!text) return {};
  try {
    return JSON.parse(text) as Record<string, McpServerConfig>;
  } catch (error) {
    throw new UsageError(`LLMSPELL_MCP_SERVERS is not valid JSON: ${(error as Error).message}`);
  }
}

type LoadedSpell = Awaited<ReturnType<typeof loadSpell>>;

/** Starts a spell read by loadSpell, with the run options given on the command line. */
async function startLoaded(client: Client, spell: LoadedSpell) {
  const searchAttributes = await hasUsageSearchAttributes(client.connection as Connection, client.options.namespace);
  return startSpell(client, {
    source: spell.source,
    fileName: spell.file,
    engine: spell.engine,
    ...(spell.input !== undefined ? { input: spell.input } : {}),
    options: { ...spell.options, ...(searchAttributes ? { searchAttributes } : {}) },
    ...(spell.values['task-queue'] ? { taskQueue: spell.values['task-queue'] } : {}),
    ...(spell.values.id ? { workflowId: spell.values.id } : {}),
  });
}

async function connect(address: string | undefined) {
  const target = await ensureTemporal({ ...(address ? { address } : {}), stateDir: home() });
  const connection = await Connection.connect({ address: target.address });
  const client = new Client({ connection, namespace: target.namespace });
  return { target, connection, client };
}

/** True when the namespace has llmspell's usage search attributes registered. */
async function hasUsageSearchAttributes(connection: Connection, namespace: string): Promise<boolean> {
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    return Object.values(USAGE_SEARCH_ATTRIBUTES).every((name) => customAttributes && name in customAttributes);
  } catch {
    return false; // e.g. Temporal Cloud without operator access: keep the memo only
  }
}

async function run(args: string[]): Promise<number> {
  const spell = await loadSpell(args);
  const json = spell.values.json === true;
  const { target, connection, client } = await connect(spell.values.address);
  const say = (line: string) => process.stderr.write(`${line}\n`);
  try {
    const { worker, pool } = await createSpellWorker({
      connection: await workerConnection(target),
      client,
      namespace: target.namespace,
      ...(spell.values['task-queue'] ? { taskQueue: spell.values['task-queue'] } : {}),
      cacheDir: join(home(), 'cache'),
      providers: providersFromEnv(),
      mcpServers: mcpServersFromEnv(),
    });
    const handle = await startLoaded(client, spell);
    if (!json) say(`▶ ${spell.file} (run ${handle.workflowId}, ${spell.engine}, Temporal ${target.address})`);
    const result = handle.result();
    // The last progress poll must happen while the worker still runs: it answers the query.
    const shown = json ? Promise.resolve() : followProgress(handle, result, say);
    let outcome: { status: 'completed'; result: Json } | { status: 'failed'; error: { type: string; message: string } };
    try {
      outcome = { status: 'completed', result: await worker.runUntil(shown.then(() => result)) };
    } catch (error) {
      if (!(error instanceof WorkflowFailedError)) throw error;
      const cause = error.cause;
      outcome = {
        status: 'failed',
        error:
          cause instanceof ApplicationFailure
            ? { type: cause.type ?? 'SpellScriptError', message: cause.message }
            : { type: cause?.name ?? 'WorkflowFailed', message: cause?.message ?? error.message },
      };
    } finally {
      await pool.close();
    }
    if (json) {
      process.stdout.write(`${JSON.stringify({ runId: handle.workflowId, ...outcome })}\n`);
    } else if (outcome.status === 'completed') {
      say('✔ completed');
      process.stdout.write(`${JSON.stringify(outcome.result, null, 2)}\n`);
    } else {
      say(`✘ failed: ${outcome.error.type}: ${outcome.error.message}`);
    }
    return outcome.status === 'completed' ? EXIT_CODES.ok : exitCodeForFailureType(outcome.error.type);
  } finally {
    await connection.close();
  }
}

async function start(args: string[]): Promise<number> {
  const spell = await loadSpell(args);
  const { connection, client } = await connect(spell.values.address);
  try {
    const handle = await startLoaded(client, spell);
    process.stdout.write(spell.values.json ? `${JSON.stringify({ runId: handle.workflowId, status: 'started' })}\n` : `${handle.workflowId}\n`);
    return EXIT_CODES.ok;
  } finally {
    await connection.close();
  }
}

async function workerCommand(args: string[]): Promise<number> {
  const { values } = parse(args, { address: { type: 'string' }, 'task-queue': { type: 'string' } });
  const { target, connection, client } = await connect(values.address);
  const { worker, pool } = await createSpellWorker({
    connection: await workerConnection(target),
    client,
    namespace: target.namespace,
    ...(values['task-queue'] ? { taskQueue: values['task-queue'] } : {}),
    cacheDir: join(home(), 'cache'),
    providers: providersFromEnv(),
    mcpServers: mcpServersFromEnv(),
  });
  process.stderr.write(`llmspell worker on ${target.address}, task queue ${worker.options.taskQueue}\n`);
  try {
    await worker.run();
  } finally {
    await pool.close();
    await connection.close();
  }
  return EXIT_CODES.ok;
}

async function signal(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { address: { type: 'string' } });
  const [id, name, payloadText] = positionals;
  if (!id || !name || positionals.length > 3) throw new UsageError('expected: signal <run-id> <name> [JSON]');
  let payload: Json | undefined;
  if (payloadText !== undefined) {
    try {
      payload = JSON.parse(payloadText) as Json;
    } catch (error) {
      throw new UsageError(`signal payload is not valid JSON: ${(error as Error).message}`);
    }
  }
  const { connection, client } = await connect(values.address);
  try {
    await client.workflow.getHandle(id).signal(spellSignal, { name, ...(payload !== undefined ? { payload } : {}) });
  } finally {
    await connection.close();
  }
  return EXIT_CODES.ok;
}

async function history(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { address: { type: 'string' }, json: { type: 'boolean' } });
  const id = positionals[0];
  if (!id) throw new UsageError('expected: history <run-id>');
  const { connection, client } = await connect(values.address);
  try {
    const journal = await readHistory(client, id);
    if (values.json) {
      process.stdout.write(`${JSON.stringify(journal)}\n`);
    } else {
      for (const e of journal.entries) {
        const outcome = e.error ? `error ${e.error.type}: ${e.error.message}` : JSON.stringify(e.result);
        process.stdout.write(`#${e.seq} ${e.kind} ${e.name}  ${e.durationMs} ms  attempt ${e.attempt}  → ${outcome}\n`);
      }
      process.stdout.write(`status: ${journal.status}\n`);
    }
  } finally {
    await connection.close();
  }
  return EXIT_CODES.ok;
}

/**
 * `llmspell replay <run-id> [--source FILE]`: re-executes a run offline against the journal in
 * its history, with no model or tool called. With --source, checks a changed spell against
 * the old history: a divergence is SpellNondeterminism (exit 4).
 */
async function replay(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { address: { type: 'string' }, source: { type: 'string' }, json: { type: 'boolean' } });
  const id = positionals[0];
  if (!id || positionals.length > 1) throw new UsageError('expected: replay <run-id> [--source FILE]');
  const { connection, client } = await connect(values.address);
  const pool = new EnginePool({ maxThreadsPerEngine: 1 });
  try {
    const run = runFromHistory(await client.workflow.getHandle(id).fetchHistory());
    const first = run.firstActivity;
    if (!first) throw new UsageError(`run ${id} has no activity in its history yet: nothing to replay`);
    let source = run.spell.source;
    if (values.source !== undefined) {
      try {
        source = await readFile(values.source, 'utf8');
      } catch (error) {
        throw new UsageError(`cannot read ${values.source}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
    }
    let effects = 0;
    const outcome = await pool.run(
      {
        engine: run.spell.engine,
        source,
        fileName: run.spell.fileName,
        input: run.spell.input ?? null,
        spell: { id: first.workflowId, runId: first.runId, attempt: 1, startedAtMs: first.startedAtMs, seed: first.seed },
        journal: run.entries,
        defaultModel: first.defaultModel,
        ...(first.budget ? { budget: first.budget } : {}),
        prices: { ...DEFAULT_PRICES, ...first.prices },
        reportFromCall: Number.MAX_SAFE_INTEGER,
        limits: first.limits,
      },
      {
        effect: async () => {
          effects++;
          return { ok: false, error: { type: 'SpellNondeterminism', message: 'the script made a call that history does not hold' } };
        },
        checkpoint: () => {},
      },
    );
    const next = outcome.next;
    const report =
      next.type === 'done'
        ? { status: 'replayed', calls: run.entries.length, result: next.result, matches: run.result === undefined ? null : canonicalJson(next.result) === canonicalJson(run.result) }
        : next.type === 'boundary' || effects > 0
          ? { status: 'diverged', calls: run.entries.length, error: { type: 'SpellNondeterminism', message: `call #${next.type === 'boundary' ? next.call.seq : run.entries.length}: the script asks for a call beyond the ${run.entries.length} that history holds` } }
          : { status: 'failed', calls: run.entries.length, error: next.type === 'failed' || next.type === 'retry' ? next.error : { type: 'SpellScriptError', message: 'unknown' } };
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ runId: id, ...report })}\n`);
    } else if (report.status === 'replayed') {
      process.stdout.write(`replayed ${report.calls} journaled calls of ${id} with no model or tool call; result ${report.matches === null ? '(run not completed)' : report.matches ? 'matches history' : 'DIFFERS from history'}\n`);
    } else {
      process.stderr.write(`llmspell: replay of ${id} ${report.status}: ${report.error!.type}: ${report.error!.message}\n`);
    }
    if (report.status === 'replayed') return report.matches === false ? EXIT_CODES.nondeterminism : EXIT_CODES.ok;
    return exitCodeForFailureType(report.error!.type);
  } finally {
    await pool.close();
    await connection.close();
  }
}

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  run,
  start,
  worker: workerCommand,
  signal,
  history,
  replay,
};

export async function main(argv: string[]): Promise<number> {
  // Worker chatter would drown the step lines; problems still show.
  Runtime.install({ logger: new DefaultLogger((process.env.LLMSPELL_LOG_LEVEL as 'ERROR' | undefined) ?? 'ERROR') });
  const [command, ...args] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? EXIT_CODES.ok : EXIT_CODES.badInput;
  }
  const handler = COMMANDS[command];
  try {
    if (!handler) throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
    return await handler(args);
  } catch (error) {
    if (error instanceof UsageError || error instanceof SpellError) {
      process.stderr.write(`llmspell: ${error.message}\n`);
      return EXIT_CODES.badInput;
    }
    process.stderr.write(`llmspell: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT_CODES.failed;
  }
}
