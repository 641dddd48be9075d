/**
 * `llmspell replay <run-id> [--source FILE]`: re-executes a run offline against the journal in
 * its history — every chain, branches included — with no model or tool called. With --source,
 * checks a changed spell against the old history: a divergence is SpellNondeterminism (exit 4).
 */
import { canonicalJson, sourceHashOf } from '../../journal/canonical.ts';
import { MAIN_CHAIN, pathTo, type Json, type SpellErrorData } from '../../journal/types.ts';
import { EXIT_CODES, exitCodeFor } from '../../contract/errors.ts';
import { resolveSettings } from '../../contract/settings.ts';
import type { RunSpellInput } from '../../contract/run.ts';
import { EnginePool } from '../../engines/pool.ts';
import { runRequestOf } from '../../activities/index.ts';
import { appendEntries, chainOf, type CachedRun } from '../../activities/run-cache.ts';
import { connect } from '../connect.ts';
import { runsOf } from '../history.ts';
import { UsageError, parse, readSource } from '../options.ts';

type Report =
  | { status: 'replayed'; calls: number; result: Json; matches: boolean | null }
  | { status: 'diverged' | 'failed'; calls: number; error: SpellErrorData };

export async function replay(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { source: { type: 'string' }, json: { type: 'boolean' } });
  const id = positionals[0];
  if (!id || positionals.length > 1) throw new UsageError('expected: replay <run-id> [--source FILE]');
  const { connection, client } = await connect(values);
  const pool = new EnginePool({ maxThreadsPerEngine: 1 });
  try {
    const rebuilt = (await runsOf(client, id)).at(-1)!;
    const source = values.source !== undefined ? await readSource(values.source) : rebuilt.spell.source;
    const spell = { ...rebuilt.spell, source };
    const run: CachedRun = { spell, sourceHash: sourceHashOf(source), settings: resolveSettings(spell.options, id, spell.carried?.generation), chains: new Map() };
    for (const [path, entries] of Object.entries(rebuilt.chains)) appendEntries(chainOf(run, path), entries);
    const calls = Object.values(rebuilt.chains).reduce((n, entries) => n + entries.length, 0);
    // Branches first, the main line last: its outcome is the run's.
    const paths = [...run.chains.keys()].sort((a, b) => (a === MAIN_CHAIN ? 1 : b === MAIN_CHAIN ? -1 : a.localeCompare(b)));
    let report: Report | undefined;
    for (const target of paths) {
      const input: RunSpellInput = {
        sourceHash: run.sourceHash,
        startedAtMs: rebuilt.startedAtMs,
        target,
        // Each ancestor up to the parallel call that leads to the target, as a live run would have it.
        chains: [
          ...pathTo(target).map((step) => ({ chain: step.chain, length: step.seq, hash: '' })),
          { chain: target, length: chainOf(run, target).entries.length, hash: '' },
        ],
        reportFromCall: Number.MAX_SAFE_INTEGER,
        maxAttempts: 1,
        history: { events: 0, bytes: 0, suggested: false },
      };
      let effects = 0;
      const outcome = await pool.run(runRequestOf(run, input, { workflowId: id, runId: rebuilt.runId }, 1), {
        effect: async () => {
          effects++;
          return { ok: false, error: { type: 'SpellNondeterminism', message: 'the script made a call that history does not hold' } };
        },
        checkpoint: () => {},
      });
      const next = outcome.next;
      if (next.type === 'boundary' || effects > 0) {
        const at = next.type === 'boundary' ? `${target ? `${target}/` : ''}${next.call.seq}` : target || 'main line';
        report = { status: 'diverged', calls, error: { type: 'SpellNondeterminism', message: `call #${at}: the script asks for a call beyond those history holds` } };
        break;
      }
      if (next.type === 'failed' && (next.error.type === 'SpellNondeterminism' || target === MAIN_CHAIN)) {
        report = { status: 'failed', calls, error: next.error };
        break;
      }
      if (target === MAIN_CHAIN && next.type === 'done') {
        report = { status: 'replayed', calls, result: next.result, matches: rebuilt.result === undefined ? null : canonicalJson(next.result) === canonicalJson(rebuilt.result) };
      }
    }
    report ??= { status: 'failed', calls, error: { type: 'SpellHostError', message: 'the main line did not replay' } };
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ runId: id, ...report })}\n`);
    } else if (report.status === 'replayed') {
      process.stdout.write(
        `replayed ${report.calls} journaled calls of ${id} with no model or tool call; result ${report.matches === null ? '(run not completed)' : report.matches ? 'matches history' : 'DIFFERS from history'}\n`,
      );
    } else {
      process.stderr.write(`llmspell: replay of ${id} ${report.status}: ${report.error.type}: ${report.error.message}\n`);
    }
    if (report.status === 'replayed') return report.matches === false ? EXIT_CODES.nondeterminism : EXIT_CODES.ok;
    return exitCodeFor(report.error.type);
  } finally {
    await pool.close();
    await connection.close();
  }
}
