/**
 * `llmspell upgrade <run-id> --source FILE`: moves a running spell to a changed source. The new
 * source replays offline against the run's journal; if it agrees, the run switches to it at its
 * next boundary (the `spell.upgrade` update, recorded in history). If not, nothing changes and
 * the first divergent call is named.
 */
import { EXIT_CODES } from '../../contract/errors.ts';
import { CliError, SpellError } from '../../errors/index.ts';
import { EnginePool } from '../../engines/pool.ts';
import type { JournalEntry } from '../../journal/types.ts';
import { upgradeUpdate } from '../../workflows/api.ts';
import { connect } from '../connect.ts';
import { runsOf } from '../history.ts';
import { replayRecorded } from '../replaying.ts';
import { UsageError, parse, readSource } from '../options.ts';

/** Checks against a journal that moved on before the run held still. */
const ATTEMPTS = 5;

export async function upgrade(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { source: { type: 'string' }, json: { type: 'boolean' } });
  const id = positionals[0];
  if (!id || positionals.length > 1 || values.source === undefined) throw new UsageError('expected: upgrade <run-id> --source FILE');
  const source = await readSource(values.source);
  const { connection, client } = await connect(values);
  const pool = new EnginePool({ maxThreadsPerEngine: 1, keepRuns: false });
  const handle = client.workflow.getHandle(id);
  let held = false;
  try {
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING') throw new CliError('RunEnded', `run ${id} is ${description.status.name.toLowerCase()}: only a running spell can be upgraded (fork starts a new run from its journal)`);
    let tails: Record<string, JournalEntry[]> = {};
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const run = (await runsOf(client, id, description)).at(-1)!;
      const chains = { ...run.chains };
      for (const [path, tail] of Object.entries(tails)) chains[path] = [...(chains[path] ?? []).filter((e) => e.seq < (tail[0]?.seq ?? Infinity)), ...tail];
      const check = await replayRecorded(pool, { ...run, chains }, source);
      if (check.status === 'failed') {
        const { type, message, where } = check.error;
        throw new SpellError(
          type === 'SpellNondeterminism' || type === 'SpellSyntaxError' ? type : 'SpellNondeterminism',
          `upgrade of ${id} refused, nothing changed: ${values.source} does not replay the run's ${check.calls} journaled calls: ${where ? `${where}: ` : ''}${message}`,
        );
      }
      const checked = Object.fromEntries(Object.entries(chains).map(([path, entries]) => [path, entries.length]));
      const outcome = await handle.executeUpdate(upgradeUpdate, { args: [{ source, checked }] });
      held = outcome.status === 'moved';
      if (outcome.status === 'upgraded') {
        if (values.json) process.stdout.write(`${JSON.stringify({ runId: id, status: 'upgraded', sourceHash: outcome.sourceHash, checkedCalls: check.calls })}\n`);
        else process.stdout.write(`upgraded ${id} to ${values.source} (source ${outcome.sourceHash}): its ${check.calls} journaled calls replay with it; it runs the new source from its next step\n`);
        return EXIT_CODES.ok;
      }
      if (outcome.status === 'moved') tails = outcome.tails;
    }
    throw new CliError('RunBusy', `run ${id} kept moving while its journal was checked (${ATTEMPTS} tries); nothing changed`);
  } finally {
    // A run held for a check that did not end in an upgrade goes on at once.
    if (held) await handle.executeUpdate(upgradeUpdate, { args: [{ checked: {} }] }).catch(() => {});
    await pool.close();
    await connection.close();
  }
}
