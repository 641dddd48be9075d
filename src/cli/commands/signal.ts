/** `llmspell signal <run-id> <name> [JSON]`: delivers JSON to `signal.wait(name)`. */
import { EXIT_CODES } from '../../contract/errors.ts';
import { spellSignal } from '../../workflows/api.ts';
import { connect } from '../connect.ts';
import { UsageError, jsonArg, parse } from '../options.ts';

export async function signal(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {});
  const [id, name, payloadText] = positionals;
  if (!id || !name || positionals.length > 3) throw new UsageError('expected: signal <run-id> <name> [JSON]');
  const payload = jsonArg('signal payload', payloadText);
  const { connection, client } = await connect(values);
  try {
    await client.workflow.getHandle(id).signal(spellSignal, { name, ...(payload !== undefined ? { payload } : {}) });
  } finally {
    await connection.close();
  }
  return EXIT_CODES.ok;
}
