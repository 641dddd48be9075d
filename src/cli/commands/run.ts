/** `llmspell run <file>`: runs a spell with an in-process worker, showing each step; prints the result. */
import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Json } from '../../journal/types.ts';
import { EXIT_CODES, exitCodeFor } from '../../contract/errors.ts';
import { followProgress } from '../progress.ts';
import { connect, enginePoolFor, spellWorker, startLoaded } from '../connect.ts';
import { namespaceSearchAttributes } from '../../client.ts';
import type { EnginePool } from '../../engines/pool.ts';
import { loadSpell } from '../options.ts';

export async function run(args: string[]): Promise<number> {
  const spell = await loadSpell(args, true);
  const pool = enginePoolFor(spell.engine);
  let connected;
  try {
    connected = await connect(spell.values, { withWorker: true });
  } catch (error) {
    await pool.close();
    throw error;
  }
  try {
    return await runInProcess(connected, spell.values, spell.maxConcurrentSteps, pool, async (say) => {
      const handle = await startLoaded(connected.client, spell, { eager: true });
      say(`▶ ${spell.file} (run ${handle.workflowId}, ${spell.engine}, Temporal ${connected.target.address})`);
      return handle;
    });
  } finally {
    await connected.connection.close();
  }
}

/**
 * Starts a run (`start`) with a worker in this process and follows it to its end: step lines
 * on stderr, the result on stdout (one JSON document with --json). `run` and `fork` share it.
 */
export async function runInProcess(
  connected: Pick<Awaited<ReturnType<typeof connect>>, 'target' | 'client' | 'externalStorage' | 'native'>,
  values: { json?: boolean | undefined; 'task-queue'?: string | undefined },
  maxConcurrentSteps: number | undefined,
  /** The engines, the spell's already starting (others start when a child needs them); closed here. */
  pool: EnginePool,
  start: (say: (line: string) => void) => Promise<WorkflowHandle>,
): Promise<number> {
  const { target, client, externalStorage } = connected;
  const json = values.json === true;
  const say = (line: string) => {
    if (!json) process.stderr.write(`${line}\n`);
  };
  // Asked while the worker starts, not after: starting the run needs the answer (memoized per client).
  void namespaceSearchAttributes(client as Client);
  const { worker } = await spellWorker(target, client as Client, { taskQueue: values['task-queue'], maxConcurrentSteps, pool, workflowsInMainThread: true }, externalStorage, connected.native).catch(async (error: unknown) => {
    await pool.close();
    throw error;
  });
  let runId: string;
  let outcome: { status: 'completed'; result: Json } | { status: 'failed'; error: { type: string; message: string } };
  try {
    // The worker runs (and can take the run's first task) while the run starts.
    ({ runId, outcome } = await worker.runUntil(async () => {
      const handle = await start(say);
      const result = handle.result();
      // The last progress poll must happen while the worker still runs: it answers the query.
      if (!json) await followProgress(client, handle, result, say);
      try {
        return { runId: handle.workflowId, outcome: { status: 'completed' as const, result: (await result) as Json } };
      } catch (error) {
        if (!(error instanceof WorkflowFailedError)) throw error;
        const cause = error.cause;
        const failed = {
          status: 'failed' as const,
          error:
            cause instanceof ApplicationFailure
              ? { type: cause.type ?? 'SpellScriptError', message: cause.message }
              : { type: cause?.name === 'CancelledFailure' ? 'SpellCancelled' : 'SpellHostError', message: cause?.message ?? error.message },
        };
        return { runId: handle.workflowId, outcome: failed };
      }
    }));
  } finally {
    await pool.close();
  }
  if (json) {
    process.stdout.write(`${JSON.stringify({ runId, ...outcome })}\n`);
  } else if (outcome.status === 'completed') {
    say('✔ completed');
    process.stdout.write(`${JSON.stringify(outcome.result, null, 2)}\n`);
  } else {
    say(`✘ failed: ${outcome.error.type}: ${outcome.error.message}`);
  }
  return outcome.status === 'completed' ? EXIT_CODES.ok : exitCodeFor(outcome.error.type);
}
