/**
 * `llmspell fork <run-id> --at N`: a what-if run. The new run starts with the first N entries of
 * the original's main line, which replay with no model or tool call, then runs live — with
 * another source, input or default model if asked. The source is checked offline first: if it
 * does not agree with those N entries, nothing starts and the first divergent call is named.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { MAIN_CHAIN } from '../../journal/types.ts';
import { seedOf } from '../../contract/settings.ts';
import { SpellError } from '../../errors/index.ts';
import { EXIT_CODES } from '../../contract/errors.ts';
import { EnginePool } from '../../engines/pool.ts';
import { startSpell } from '../../client.ts';
import { connect, enginePoolFor } from '../connect.ts';
import { runsOf } from '../history.ts';
import { replayRecorded } from '../replaying.ts';
import { UsageError, WORKER_OPTIONS, jsonArg, parse, positiveInt, readSource } from '../options.ts';
import { runInProcess } from './run.ts';

export async function fork(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    ...WORKER_OPTIONS,
    at: { type: 'string' },
    source: { type: 'string' },
    input: { type: 'string' },
    model: { type: 'string' },
    id: { type: 'string' },
    'allow-effects': { type: 'boolean' },
    detach: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const id = positionals[0];
  if (!id || positionals.length > 1 || values.at === undefined) throw new UsageError('expected: fork <run-id> --at N [--source FILE] [--input JSON] [--model ID] [--allow-effects]');
  const at = values.at === '0' ? 0 : positiveInt('at', values.at)!;
  const input = jsonArg('--input', values.input);
  const source = values.source !== undefined ? await readSource(values.source) : undefined;
  const connected = await connect(values, { withWorker: !values.detach });
  try {
    const original = (await runsOf(connected.client, id)).at(-1)!;
    const journal = original.chains[MAIN_CHAIN] ?? [];
    if (at > journal.length) throw new UsageError(`--at ${at}: run ${id} has ${journal.length} entries on its main line (#0…#${journal.length - 1}); fork at most at ${journal.length}`);
    const prefix = journal.slice(0, at);
    const spell = {
      ...original.spell,
      ...(source !== undefined ? { source } : {}),
      ...(input !== undefined ? { input } : {}),
      options: {
        ...original.spell.options,
        ...(values.model ? { defaultModel: values.model } : {}),
        // The original's random sequence, so its copied calls replay alike.
        seed: original.spell.options?.seed ?? seedOf(id),
      },
    };
    // Offline first: a source or input that disagrees with the copied calls starts nothing.
    const pool = new EnginePool({ maxThreadsPerEngine: 1, keepRuns: false });
    try {
      const check = await replayRecorded(pool, { ...original, spell, chains: { [MAIN_CHAIN]: prefix } });
      // A failure the script raises itself would happen in the fork too, and is its to show.
      if (check.status === 'failed' && (check.error.type === 'SpellNondeterminism' || check.error.type === 'SpellSyntaxError')) {
        throw new SpellError(check.error.type, `cannot fork ${id} at ${at}: ${check.error.where ? `${check.error.where}: ` : ''}${check.error.message}`);
      }
    } finally {
      await pool.close();
    }
    const { parent: _parent, fork: _fork, carried, ...rest } = spell;
    const maxConcurrentSteps = positiveInt('max-concurrent-steps', values['max-concurrent-steps']);
    if (values.detach && maxConcurrentSteps !== undefined) throw new UsageError('--max-concurrent-steps: with --detach no worker runs here');
    // eager: a worker of this process runs it (see StartSpellOptions).
    const startFork = (eager: boolean) =>
      startSpell(connected.client, {
        eager,
        source: rest.source,
        // Where spell.spawn finds relative files: the changed file's folder, else the original's.
        fileName: values.source ?? (rest.dir ? join(rest.dir, rest.fileName) : rest.fileName),
        engine: rest.engine,
        ...(rest.input !== undefined ? { input: rest.input } : {}),
        options: rest.options,
        ...(values['task-queue'] ? { taskQueue: values['task-queue'] } : {}),
        workflowId: values.id ?? `${id}-fork-${randomUUID().slice(0, 8)}`,
        fork: {
          workflowId: id,
          runId: original.runId,
          at,
          journal: prefix,
          startedAtMs: original.spell.fork?.startedAtMs ?? original.startedAtMs,
          ...(values['allow-effects'] ? { allowEffects: true } : {}),
        },
        ...(carried ? { carried } : {}),
      });
    if (values.detach) {
      const handle = await startFork(false);
      process.stdout.write(values.json ? `${JSON.stringify({ runId: handle.workflowId, status: 'started' })}\n` : `${handle.workflowId}\n`);
      return EXIT_CODES.ok;
    }
    return await runInProcess(connected, values, maxConcurrentSteps, enginePoolFor(rest.engine), async (say) => {
      const handle = await startFork(true);
      const copied = at === 0 ? 'nothing copied' : at === 1 ? '#0 replays from it' : `#0…#${at - 1} replay from it`;
      say(`▶ fork of ${id} at #${at} (run ${handle.workflowId}, ${rest.engine}, Temporal ${connected.target.address}): ${copied}`);
      return handle;
    });
  } finally {
    await connected.connection.close();
  }
}
