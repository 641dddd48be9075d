/** `llmspell list`: runs from Temporal visibility, in its order (running runs first, then the most recently closed); no history is read. */
import { EXIT_CODES } from '../../contract/errors.ts';
import { CliError } from '../../errors/index.ts';
import { namespaceSearchAttributes } from '../../client.ts';
import { SPELL_SEARCH_ATTRIBUTES } from '../../workflows/api.ts';
import { connect } from '../connect.ts';
import { UsageError, parse, positiveInt } from '../options.ts';
import { STATUS_QUERY, formatCost, formatDuration, formatTime, rowOf, table } from '../runs.ts';
import type { RunRow } from '../schemas.ts';

export async function list(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    status: { type: 'string' },
    spell: { type: 'string' },
    query: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length > 0) throw new UsageError(`list takes no arguments, got "${positionals[0]}" (filter with --status, --spell, --query)`);
  const limit = positiveInt('limit', values.limit) ?? 20;
  const clauses = [`WorkflowType = 'spellWorkflow'`];
  if (values.status !== undefined) {
    const status = STATUS_QUERY[values.status];
    if (!status) throw new UsageError(`--status: expected one of ${Object.keys(STATUS_QUERY).filter((s) => s !== 'cancelled').join(', ')}; got "${values.status}"`);
    clauses.push(`ExecutionStatus = '${status}'`);
  }
  if (values.spell !== undefined) {
    if (/['"\\]/.test(values.spell)) throw new UsageError(`--spell: a spell file name has no quotes or backslashes, got ${JSON.stringify(values.spell)}`);
    clauses.push(`${SPELL_SEARCH_ATTRIBUTES.spell} = '${values.spell}'`);
  }
  if (values.query !== undefined) clauses.push(`(${values.query})`);
  const query = clauses.join(' AND ');

  const { connection, client } = await connect(values);
  try {
    if (values.spell !== undefined && !(await namespaceSearchAttributes(client)).spell) {
      const ns = client.options.namespace;
      throw new CliError(
        'ConfigError',
        `--spell needs the search attributes ${SPELL_SEARCH_ATTRIBUTES.spell} and ${SPELL_SEARCH_ATTRIBUTES.engine} (Keyword) in namespace "${ns}": ` +
          `temporal operator search-attribute create --namespace ${ns} --name ${SPELL_SEARCH_ATTRIBUTES.spell} --type Keyword --name ${SPELL_SEARCH_ATTRIBUTES.engine} --type Keyword`,
      );
    }
    const runs: RunRow[] = [];
    const now = Date.now();
    try {
      for await (const info of client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
        runs.push(rowOf(info, now));
        if (runs.length >= limit) break;
      }
    } catch (error) {
      // A query Temporal cannot parse (or one naming an unknown attribute) is the user's.
      const details = (error as { cause?: { details?: unknown }; details?: unknown }).cause?.details ?? (error as { details?: unknown }).details;
      if (values.query !== undefined && typeof details === 'string' && /invalid|unknown|parse|not defined|syntax/i.test(details)) {
        throw new UsageError(`--query: Temporal rejected "${values.query}": ${details}`);
      }
      throw error;
    }
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ query, runs })}\n`);
    } else if (runs.length === 0) {
      process.stdout.write(`no runs match: ${query}\n`);
    } else {
      const rows = runs.map((r) => [
        r.status,
        r.runId,
        r.spell ?? '-',
        r.engine ?? '-',
        formatTime(r.startedAt),
        formatDuration(r.durationMs),
        String(r.historyEvents),
        r.tokens === null ? '-' : String(r.tokens),
        r.costUsd === null ? '-' : formatCost(r.costUsd),
      ]);
      for (const line of table(['STATUS', 'RUN', 'SPELL', 'ENGINE', 'STARTED (UTC)', 'DURATION', 'EVENTS', 'TOKENS', 'COST'], rows)) process.stdout.write(`${line}\n`);
    }
  } finally {
    await connection.close();
  }
  return EXIT_CODES.ok;
}
