/** `llmspell worker`: runs a spell worker until interrupted. */
import { EXIT_CODES } from '../../contract/errors.ts';
import { connect, spellWorker } from '../connect.ts';
import { parse } from '../options.ts';

export async function worker(args: string[]): Promise<number> {
  const { values } = parse(args, { 'task-queue': { type: 'string' } });
  const { target, connection, client, externalStorage } = await connect(values);
  const { worker, pool } = await spellWorker(target, client, values['task-queue'], externalStorage);
  process.stderr.write(`llmspell worker on ${target.address}, namespace ${target.namespace}, task queue ${worker.options.taskQueue}\n`);
  try {
    await worker.run();
  } finally {
    await pool.close();
    await connection.close();
  }
  return EXIT_CODES.ok;
}
