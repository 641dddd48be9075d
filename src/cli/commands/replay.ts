/**
 * `llmspell replay <run-id> [--source FILE]` / `replay --file run.json`: re-executes a run
 * offline against its journal — every chain, branches included — with no model or tool called,
 * from Temporal history or from an export (no server needed). With --source, checks a changed
 * spell against the old journal: a divergence is SpellNondeterminism (exit 4).
 */
import { EXIT_CODES, exitCodeFor } from '../../contract/errors.ts';
import { EnginePool } from '../../engines/pool.ts';
import { connect } from '../connect.ts';
import { runsOf } from '../history.ts';
import { readExport, recordedOf } from '../export.ts';
import { pastTheEnd, replayRecorded, type RecordedRun } from '../replaying.ts';
import { UsageError, parse, readSource } from '../options.ts';

export async function replay(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { source: { type: 'string' }, file: { type: 'string' }, json: { type: 'boolean' } });
  const fromFile = values.file !== undefined;
  if (fromFile ? positionals.length > 0 : positionals.length !== 1) throw new UsageError('expected: replay <run-id> [--source FILE], or replay --file EXPORT.json [--source FILE]');
  const source = values.source !== undefined ? await readSource(values.source) : undefined;
  let run: RecordedRun;
  let ended: boolean;
  if (fromFile) {
    const exported = await readExport(values.file!);
    run = recordedOf(exported);
    ended = exported.status !== 'RUNNING';
  } else {
    const { connection, client } = await connect(values);
    try {
      const id = positionals[0]!;
      const description = await client.workflow.getHandle(id).describe();
      run = (await runsOf(client, id, description)).at(-1)!;
      ended = description.status.name !== 'RUNNING';
    } finally {
      await connection.close();
    }
  }
  const pool = new EnginePool({ maxThreadsPerEngine: 1, keepRuns: false });
  let report;
  try {
    report = await replayRecorded(pool, run, source);
  } finally {
    await pool.close();
  }
  const id = run.workflowId;
  const error = pastTheEnd(report, ended);
  if (error) {
    if (values.json) process.stdout.write(`${JSON.stringify({ runId: id, status: 'diverged', calls: report.calls, error })}\n`);
    else process.stderr.write(`llmspell: replay of ${id} diverged: ${error.type}: ${error.message}\n`);
    return EXIT_CODES.nondeterminism;
  }
  if (values.json) process.stdout.write(`${JSON.stringify({ runId: id, ...report })}\n`);
  else if (report.status === 'replayed') {
    process.stdout.write(
      `replayed ${report.calls} journaled calls of ${id} with no model or tool call; result ${report.matches === null ? '(run not completed)' : report.matches ? 'matches history' : 'DIFFERS from history'}\n`,
    );
  } else if (report.status === 'open') {
    process.stdout.write(`replayed ${report.calls} journaled calls of ${id} with no model or tool call; the run is still going (next: call #${report.at})\n`);
  } else {
    process.stderr.write(`llmspell: replay of ${id} failed: ${report.error.type}: ${report.error.message}\n`);
  }
  if (report.status === 'replayed') return report.matches === false ? EXIT_CODES.nondeterminism : EXIT_CODES.ok;
  if (report.status === 'open') return EXIT_CODES.ok;
  return exitCodeFor(report.error.type);
}
