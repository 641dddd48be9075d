/**
 * `llmspell check FILE --runs QUERY`: before a changed spell is deployed, replay it offline
 * against every recorded run the visibility query matches, and report which would diverge and
 * at which call. No model or tool is called; nothing changes.
 */
import { EXIT_CODES } from '../../contract/errors.ts';
import { journaledCalls, type SpellErrorData } from '../../journal/types.ts';
import { EnginePool } from '../../engines/pool.ts';
import { engineFor } from '../../engines/registry.ts';
import { runFromHistory } from '../../activities/history.ts';
import { connect } from '../connect.ts';
import { pastTheEnd, replayRecorded } from '../replaying.ts';
import { UsageError, parse, positiveInt, readSource } from '../options.ts';
import { statusOf, table } from '../runs.ts';

export type CheckedRun = {
  runId: string;
  temporalRunId: string;
  /** The run's own status (running, completed, …). */
  runStatus: string;
  calls: number;
} & (
  | { status: 'compatible'; at: string | null }
  | { status: 'diverges'; error: SpellErrorData }
  | { status: 'skipped'; reason: string }
);

export async function check(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { runs: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } });
  const file = positionals[0];
  if (!file || positionals.length > 1 || values.runs === undefined) throw new UsageError('expected: check FILE --runs QUERY (a Temporal visibility query, e.g. "llmspellSpell = \'triage.lua\' AND ExecutionStatus = \'Running\'")');
  const source = await readSource(file);
  const engine = engineFor(file).name;
  const limit = positiveInt('limit', values.limit) ?? 100;
  const query = `WorkflowType = 'spellWorkflow' AND (${values.runs})`;
  const { connection, client } = await connect(values);
  const pool = new EnginePool({ maxThreadsPerEngine: 1, keepRuns: false });
  const checked: CheckedRun[] = [];
  try {
    try {
      for await (const info of client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
        const history = await client.workflow.getHandle(info.workflowId, info.runId).fetchHistory();
        const run = { ...(await runFromHistory(history, client.options.loadedDataConverter)), runId: info.runId, workflowId: info.workflowId };
        const base = { runId: info.workflowId, temporalRunId: info.runId, runStatus: statusOf(info.status.name), calls: journaledCalls(run.chains) };
        if (run.spell.engine !== engine) {
          checked.push({ ...base, status: 'skipped', reason: `the run is ${run.spell.engine}, ${file} is ${engine}` });
        } else {
          const report = await replayRecorded(pool, run, source);
          const beyond = pastTheEnd(report, base.runStatus !== 'running', 'the changed spell');
          if (report.status === 'failed') checked.push({ ...base, status: 'diverges', error: report.error });
          else if (beyond) checked.push({ ...base, status: 'diverges', error: beyond });
          else checked.push({ ...base, status: 'compatible', at: report.status === 'open' ? report.at : null });
        }
        if (checked.length >= limit) break;
      }
    } catch (error) {
      const details = (error as { cause?: { details?: unknown }; details?: unknown }).cause?.details ?? (error as { details?: unknown }).details;
      if (typeof details === 'string' && /invalid|unknown|parse|not defined|syntax/i.test(details)) throw new UsageError(`--runs: Temporal rejected "${values.runs}": ${details}`);
      throw error;
    }
  } finally {
    await pool.close();
    await connection.close();
  }
  const diverging = checked.filter((run) => run.status === 'diverges').length;
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ file, query, runs: checked, diverging })}\n`);
  } else if (checked.length === 0) {
    process.stdout.write(`no runs match: ${query}\n`);
  } else {
    const rows = checked.map((run) => [
      run.status === 'diverges' ? 'DIVERGES' : run.status,
      run.runId,
      run.runStatus,
      String(run.calls),
      run.status === 'diverges' ? `${run.error.type}: ${run.error.message}` : run.status === 'skipped' ? run.reason : run.at ? `replays; next call #${run.at}` : 'replays to its end',
    ]);
    for (const line of table(['CHECK', 'RUN', 'STATUS', 'CALLS', 'WHERE'], rows)) process.stdout.write(`${line}\n`);
    process.stdout.write(`${diverging} of ${checked.length} runs would diverge under ${file}\n`);
  }
  return diverging > 0 ? EXIT_CODES.nondeterminism : EXIT_CODES.ok;
}
