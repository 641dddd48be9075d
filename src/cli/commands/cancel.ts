/**
 * `llmspell cancel <run-id>`: asks the run to stop (the workflow cancels its step and children
 * and ends as SpellCancelled); `llmspell terminate <run-id>`: ends it at once, running none of
 * its code. Both are Temporal's own operations on the workflow.
 */
import { EXIT_CODES } from '../../contract/errors.ts';
import { connect } from '../connect.ts';
import { UsageError, parse } from '../options.ts';
import { onRunningRun, statusOf } from '../runs.ts';
import { CliError } from '../../errors/index.ts';

export async function cancel(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } });
  const [id] = positionals;
  if (!id || positionals.length > 1) throw new UsageError('expected: cancel <run-id>');
  const { connection, client } = await connect(values);
  try {
    // Temporal accepts a cancel request for a run that has ended, and does nothing: say so instead.
    await onRunningRun(client, id, async (handle) => {
      const { status } = await handle.describe();
      if (status.name !== 'RUNNING') throw new CliError('RunEnded', `run "${id}" has already ended (${statusOf(status.name)})`);
      await handle.cancel();
    });
  } finally {
    await connection.close();
  }
  process.stdout.write(values.json ? `${JSON.stringify({ runId: id, status: 'cancel-requested' })}\n` : `cancel requested for ${id}\n`);
  return EXIT_CODES.ok;
}

export async function terminate(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { reason: { type: 'string' }, json: { type: 'boolean' } });
  const [id] = positionals;
  if (!id || positionals.length > 1) throw new UsageError('expected: terminate <run-id> [--reason TEXT]');
  const { connection, client } = await connect(values);
  try {
    await onRunningRun(client, id, (handle) => handle.terminate(values.reason));
  } finally {
    await connection.close();
  }
  process.stdout.write(values.json ? `${JSON.stringify({ runId: id, status: 'terminated', reason: values.reason ?? null })}\n` : `terminated ${id}\n`);
  return EXIT_CODES.ok;
}
