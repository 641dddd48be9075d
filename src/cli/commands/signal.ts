/** `llmspell signal <run-id> <name> [JSON]`: delivers JSON to `signal.wait(name)`. */
import { EXIT_CODES } from '../../contract/errors.ts';
import { spellSignal } from '../../workflows/api.ts';
import { connect } from '../connect.ts';
import { UsageError, jsonArg, parse } from '../options.ts';
import { onRunningRun } from '../runs.ts';

export async function signal(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } });
  const [id, name, payloadText] = positionals;
  if (!id || !name || positionals.length > 3) throw new UsageError('expected: signal <run-id> <name> [JSON]');
  const payload = jsonArg('signal payload', payloadText);
  const { connection, client } = await connect(values);
  try {
    await onRunningRun(client, id, (handle) => handle.signal(spellSignal, { name, ...(payload !== undefined ? { payload } : {}) }));
  } finally {
    await connection.close();
  }
  if (values.json) process.stdout.write(`${JSON.stringify({ runId: id, signal: name, status: 'sent' })}\n`);
  return EXIT_CODES.ok;
}
