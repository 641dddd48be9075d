/**
 * The `llmspell` command: one file per command under ./commands, loaded when run (so `--help`
 * and `--version` answer at once). Exit codes and failure types come from the contract's
 * tables (src/contract/errors.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EXIT_CODES } from '../contract/errors.ts';
import { UsageError } from './options.ts';
import { COMMAND_USAGE, commandUsage, overview } from './usage.ts';
import { failureOf } from './failure.ts';

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<keyof typeof COMMAND_USAGE, () => Promise<Command>> = {
  run: async () => (await import('./commands/run.ts')).run,
  start: async () => (await import('./commands/start.ts')).start,
  worker: async () => (await import('./commands/worker.ts')).worker,
  signal: async () => (await import('./commands/signal.ts')).signal,
  list: async () => (await import('./commands/list.ts')).list,
  describe: async () => (await import('./commands/describe.ts')).describe,
  cancel: async () => (await import('./commands/cancel.ts')).cancel,
  terminate: async () => (await import('./commands/cancel.ts')).terminate,
  history: async () => (await import('./commands/history.ts')).history,
  replay: async () => (await import('./commands/replay.ts')).replay,
  fork: async () => (await import('./commands/fork.ts')).fork,
  upgrade: async () => (await import('./commands/upgrade.ts')).upgrade,
  check: async () => (await import('./commands/check.ts')).check,
  export: async () => (await import('./commands/export.ts')).exportCommand,
};

/** The package's version, from the package.json above this file (src/cli or dist/src/cli). */
export function version(): string {
  for (let dir = import.meta.dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'llmspell') return pkg.version ?? 'unknown';
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}

/** `-h` / `--help` anywhere before a `--`. */
const asksHelp = (args: string[]) => {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  const json = argv.includes('--json');
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    const topic = command === 'help' ? args[0] : undefined;
    if (topic && Object.hasOwn(COMMANDS, topic)) process.stdout.write(`${commandUsage(topic)}\n`);
    else process.stdout.write(`${overview()}\n`);
    return command ? EXIT_CODES.ok : EXIT_CODES.badInput;
  }
  if (command === '--version' || command === '-V' || command === 'version') {
    process.stdout.write(json ? `${JSON.stringify({ version: version() })}\n` : `llmspell ${version()}\n`);
    return EXIT_CODES.ok;
  }
  try {
    if (!Object.hasOwn(COMMANDS, command)) throw new UsageError(`unknown command "${command}" (llmspell --help lists them)`);
    const name = command as keyof typeof COMMANDS;
    if (asksHelp(args)) {
      process.stdout.write(`${commandUsage(name)}\n`);
      return EXIT_CODES.ok;
    }
    await installRuntime();
    return await (await COMMANDS[name]!())(args);
  } catch (error) {
    const failure = failureOf(error);
    // With --json, stdout still carries exactly one JSON document.
    if (json) process.stdout.write(`${JSON.stringify({ error: { type: failure.type, message: failure.message } })}\n`);
    process.stderr.write(`llmspell: ${failure.type === 'UsageError' ? '' : `${failure.type}: `}${failure.message}${failure.detail ? `\n${failure.detail}` : ''}\n`);
    return failure.exitCode;
  }
}

/**
 * Worker chatter would drown the step lines; problems still show, on stderr: the Temporal
 * core's own logs (payload-limit warnings among them) would otherwise go to stdout, which
 * carries only the result (one JSON document with --json).
 */
async function installRuntime(): Promise<void> {
  const { DefaultLogger, Runtime } = await import('@temporalio/worker');
  const level = (process.env.LLMSPELL_LOG_LEVEL as 'ERROR' | undefined) ?? 'ERROR';
  Runtime.install({ logger: new DefaultLogger(level), telemetryOptions: { logging: { filter: { core: level, other: level }, forward: {} } } });
}
