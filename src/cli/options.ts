/** Command-line parsing shared by the commands: flags, the spell file, run options. */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import type { Json } from '../journal/types.ts';
import type { SpellRunOptions } from '../contract/settings.ts';
import type { McpServerConfig } from '../bridge/kind.ts';
import { engineFor } from '../engines/registry.ts';
import { CliError } from '../errors/index.ts';

/** Bad usage: exit code 2 with the message, which names the flag. */
export class UsageError extends CliError {
  constructor(message: string) {
    super('UsageError', message);
  }
}

/** Where llmspell keeps its state: `LLMSPELL_HOME`, default `~/.llmspell`. */
export const home = () => process.env.LLMSPELL_HOME ?? join(homedir(), '.llmspell');

/** Where Temporal is: every command takes these (see src/server/connection.ts for the rest of the settings). */
export const CONNECTION_OPTIONS = {
  address: { type: 'string' },
  namespace: { type: 'string' },
  profile: { type: 'string' },
} as const;

/** A command's flags, the connection flags included. */
export function parse<O extends ParseArgsOptionsConfig>(args: string[], options: O) {
  try {
    return parseArgs({ args, options: { ...CONNECTION_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${flag}: expected a positive integer, got "${value}"`);
  return n;
}

export function jsonArg(what: string, text: string | undefined): Json | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    throw new UsageError(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}

export async function readSource(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** Flags of `run` and `start`. */
export const RUN_OPTIONS = {
  input: { type: 'string' },
  json: { type: 'boolean' },
  engine: { type: 'string' },
  model: { type: 'string' },
  timeout: { type: 'string' },
  memory: { type: 'string' },
  'task-queue': { type: 'string' },
  id: { type: 'string' },
  'max-tokens': { type: 'string' },
  'max-cost': { type: 'string' },
} as const;

/** Flags of a command that runs a worker (`worker`, and `run` in-process). */
export const WORKER_OPTIONS = {
  'task-queue': { type: 'string' },
  'max-concurrent-steps': { type: 'string' },
} as const;

/** The spell file and run options of `run` (which also takes the worker's flags) and `start`. */
export async function loadSpell(args: string[], withWorker = false) {
  const { values, positionals } = parse(args, { ...RUN_OPTIONS, ...WORKER_OPTIONS });
  if (!withWorker && values['max-concurrent-steps'] !== undefined) throw new UsageError('--max-concurrent-steps: this command runs no worker (run and worker do)');
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError('expected exactly one spell file');
  const source = await readSource(file);
  const input = jsonArg('--input', values.input);
  const timeoutMs = positiveInt('timeout', values.timeout);
  const memoryLimitBytes = positiveInt('memory', values.memory);
  const maxTokens = positiveInt('max-tokens', values['max-tokens']);
  const maxConcurrentSteps = positiveInt('max-concurrent-steps', values['max-concurrent-steps']);
  const maxCost = values['max-cost'] === undefined ? undefined : Number(values['max-cost']);
  if (maxCost !== undefined && !(maxCost > 0)) throw new UsageError(`--max-cost: expected a positive number of dollars, got "${values['max-cost']}"`);
  const options: SpellRunOptions = {
    ...(values.model ? { defaultModel: values.model } : {}),
    ...(maxTokens || maxCost ? { budget: { ...(maxTokens ? { maxTokens } : {}), ...(maxCost ? { maxCost } : {}) } } : {}),
    ...(timeoutMs || memoryLimitBytes
      ? { limits: { ...(timeoutMs ? { timeoutMs } : {}), ...(memoryLimitBytes ? { memoryLimitBytes } : {}) } }
      : {}),
  };
  return { file, source, input, options, engine: engineFor(file, values.engine).name, maxConcurrentSteps, values };
}

export type LoadedSpell = Awaited<ReturnType<typeof loadSpell>>;

/** `LLMSPELL_MCP_SERVERS`: JSON, name → {command, args?, env?} or {url, headers?}. */
export function mcpServersFromEnv(): Record<string, McpServerConfig> {
  const text = process.env.LLMSPELL_MCP_SERVERS;
  if (!text) return {};
  try {
    return JSON.parse(text) as Record<string, McpServerConfig>;
  } catch (error) {
    throw new UsageError(`LLMSPELL_MCP_SERVERS is not valid JSON: ${(error as Error).message}`);
  }
}
