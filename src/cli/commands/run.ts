/** `llmspell run <file>`: runs a spell with an in-process worker, showing each step; prints the result. */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Json } from '../../journal/types.ts';
import { EXIT_CODES, exitCodeFor } from '../../contract/errors.ts';
import { followProgress } from '../progress.ts';
import { connect, spellWorker, startLoaded } from '../connect.ts';
import { loadSpell } from '../options.ts';

export async function run(args: string[]): Promise<number> {
  const spell = await loadSpell(args, true);
  const json = spell.values.json === true;
  const { target, connection, client, externalStorage } = await connect(spell.values);
  const say = (line: string) => process.stderr.write(`${line}\n`);
  try {
    const { worker, pool } = await spellWorker(target, client, { taskQueue: spell.values['task-queue'], maxConcurrentSteps: spell.maxConcurrentSteps }, externalStorage);
    const handle = await startLoaded(client, spell);
    if (!json) say(`▶ ${spell.file} (run ${handle.workflowId}, ${spell.engine}, Temporal ${target.address})`);
    const result = handle.result();
    // The last progress poll must happen while the worker still runs: it answers the query.
    const shown = json ? Promise.resolve() : followProgress(client, handle, result, say);
    let outcome: { status: 'completed'; result: Json } | { status: 'failed'; error: { type: string; message: string } };
    try {
      outcome = { status: 'completed', result: (await worker.runUntil(shown.then(() => result))) as Json };
    } catch (error) {
      if (!(error instanceof WorkflowFailedError)) throw error;
      const cause = error.cause;
      outcome = {
        status: 'failed',
        error:
          cause instanceof ApplicationFailure
            ? { type: cause.type ?? 'SpellScriptError', message: cause.message }
            : { type: cause?.name === 'CancelledFailure' ? 'SpellCancelled' : 'SpellHostError', message: cause?.message ?? error.message },
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
    return outcome.status === 'completed' ? EXIT_CODES.ok : exitCodeFor(outcome.error.type);
  } finally {
    await connection.close();
  }
}
