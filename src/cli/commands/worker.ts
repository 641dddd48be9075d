/** `llmspell worker`: runs a spell worker until interrupted. */
import { EXIT_CODES } from '../../contract/errors.ts';
import { connect, spellWorker } from '../connect.ts';
import { DEFAULT_MAX_CONCURRENT_STEPS } from '../../spell-worker.ts';
import { UsageError, WORKER_OPTIONS, parse, positiveInt } from '../options.ts';

export async function worker(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { ...WORKER_OPTIONS, 'max-cached-workflows': { type: 'string' }, json: { type: 'boolean' } });
  if (positionals.length > 0) throw new UsageError(`worker takes no arguments, got "${positionals[0]}"`);
  const maxConcurrentSteps = positiveInt('max-concurrent-steps', values['max-concurrent-steps']);
  const maxCachedWorkflows = positiveInt('max-cached-workflows', values['max-cached-workflows']);
  const { target, connection, client, externalStorage } = await connect(values);
  const { worker, pool } = await spellWorker(target, client, { taskQueue: values['task-queue'], maxConcurrentSteps, maxCachedWorkflows }, externalStorage);
  const ready = { status: 'running', address: target.address, namespace: target.namespace, taskQueue: worker.options.taskQueue, maxConcurrentSteps: maxConcurrentSteps ?? DEFAULT_MAX_CONCURRENT_STEPS };
  if (values.json) process.stdout.write(`${JSON.stringify(ready)}\n`);
  else process.stderr.write(`llmspell worker on ${ready.address}, namespace ${ready.namespace}, task queue ${ready.taskQueue}, ${ready.maxConcurrentSteps} steps at once\n`);
  try {
    await worker.run();
  } finally {
    await pool.close();
    await connection.close();
  }
  return EXIT_CODES.ok;
}
