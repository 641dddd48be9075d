/** `llmspell start <file>`: starts a spell for a running worker; prints its run id. */
import { EXIT_CODES } from '../../contract/errors.ts';
import { connect, startLoaded } from '../connect.ts';
import { loadSpell } from '../options.ts';

export async function start(args: string[]): Promise<number> {
  const spell = await loadSpell(args);
  const { connection, client } = await connect(spell.values);
  try {
    const handle = await startLoaded(client, spell);
    process.stdout.write(spell.values.json ? `${JSON.stringify({ runId: handle.workflowId, status: 'started' })}\n` : `${handle.workflowId}\n`);
    return EXIT_CODES.ok;
  } finally {
    await connection.close();
  }
}
