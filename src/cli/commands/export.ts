/**
 * `llmspell export <run-id> > run.json`: everything needed to audit and replay the run with no
 * Temporal server (src/cli/export.ts): `replay --file` and `history --verify --file` read it.
 */
import { writeFile } from 'node:fs/promises';
import { EXIT_CODES } from '../../contract/errors.ts';
import { connect } from '../connect.ts';
import { exportRun } from '../export.ts';
import { UsageError, parse } from '../options.ts';

export async function exportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { output: { type: 'string', short: 'o' }, json: { type: 'boolean' } });
  const id = positionals[0];
  if (!id || positionals.length > 1) throw new UsageError('expected: export <run-id> [--output FILE]');
  const { connection, client } = await connect(values);
  try {
    const text = `${JSON.stringify(await exportRun(client, id))}\n`;
    if (values.output !== undefined) {
      await writeFile(values.output, text);
      if (values.json) process.stdout.write(`${JSON.stringify({ runId: id, status: 'exported', file: values.output })}\n`);
      else process.stderr.write(`exported ${id} to ${values.output}\n`);
    } else {
      process.stdout.write(text);
    }
    return EXIT_CODES.ok;
  } finally {
    await connection.close();
  }
}
