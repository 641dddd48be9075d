/**
 * The `llmspell` command: one file per command under ./commands.
 * Exit codes: 0 success · 1 spell failed · 2 bad input or usage · 3 limit hit · 4 nondeterminism.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { EXIT_CODES } from '../contract/errors.ts';
import { SpellError } from '../errors/index.ts';
import { UsageError } from './options.ts';
import { StorageSettingsError } from '../storage/index.ts';
import { run } from './commands/run.ts';
import { start } from './commands/start.ts';
import { worker } from './commands/worker.ts';
import { signal } from './commands/signal.ts';
import { history } from './commands/history.ts';
import { replay } from './commands/replay.ts';

const USAGE = `usage: llmspell <command> [options]

  run <file> [--input JSON] [--json] [--engine lua|js|tengo] [--model ID] [--timeout MS] [--memory BYTES]
             [--max-tokens N] [--max-cost USD] [--id RUN-ID] [--address HOST:PORT] [--task-queue NAME]
      run a spell with an in-process worker, showing each step; prints the result
  start <file> [same options]   start a spell for a running worker; prints its run id
  worker [--address HOST:PORT]  run a worker until interrupted
  signal <run-id> <name> [JSON] deliver a signal to signal.wait(name)
  history <run-id> [--json]     print a run's journal (branches, child spells, continued runs)
  replay <run-id> [--source FILE] [--json]
                                re-execute a run offline against its journal (no model or tool
                                calls); with --source, check a changed spell against it

Temporal: TEMPORAL_ADDRESS (or --address) uses an existing server; otherwise a local dev
server is started from the \`temporal\` CLI (database under $LLMSPELL_HOME, default ~/.llmspell).
Exit codes: 0 success, 1 spell failed, 2 bad input or usage, 3 limit or budget hit, 4 nondeterminism.`;

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = { run, start, worker, signal, history, replay };

export async function main(argv: string[]): Promise<number> {
  // Worker chatter would drown the step lines; problems still show, on stderr: the Temporal
  // core's own logs (payload-limit warnings among them) would otherwise go to stdout, which
  // carries only the result (one JSON document with --json).
  const level = (process.env.LLMSPELL_LOG_LEVEL as 'ERROR' | undefined) ?? 'ERROR';
  Runtime.install({ logger: new DefaultLogger(level), telemetryOptions: { logging: { filter: { core: level, other: level }, forward: {} } } });
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
    if (error instanceof UsageError || error instanceof SpellError || error instanceof StorageSettingsError) {
      process.stderr.write(`llmspell: ${error.message}\n`);
      return EXIT_CODES.badInput;
    }
    process.stderr.write(`llmspell: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT_CODES.failed;
  }
}
