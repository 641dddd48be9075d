/** `llmspell history <run-id>`: the run's journal as a tree (branches, child spells, continued runs). */
import { entryPath, type JournalEntry } from '../../journal/types.ts';
import { EXIT_CODES } from '../../contract/errors.ts';
import { connect } from '../connect.ts';
import { readHistory, type RunHistory } from '../history.ts';
import { UsageError, parse } from '../options.ts';

export async function history(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } });
  const id = positionals[0];
  if (!id) throw new UsageError('expected: history <run-id>');
  const { connection, client } = await connect(values);
  try {
    const journal = await readHistory(client, id, { children: true });
    if (values.json) process.stdout.write(`${JSON.stringify(journal)}\n`);
    else for (const line of render(journal, '')) process.stdout.write(`${line}\n`);
  } finally {
    await connection.close();
  }
  return EXIT_CODES.ok;
}

function render(run: RunHistory, indent: string): string[] {
  const lines: string[] = [];
  for (const [index, journal] of run.runs.entries()) {
    if (run.runs.length > 1) lines.push(`${indent}── run ${index + 1} of ${run.runs.length} (${journal.runId})${index > 0 ? ', continued as new' : ''}`);
    const chain = (path: string, at: string) => {
      for (const entry of journal.chains[path] ?? []) {
        lines.push(`${at}${line(path, entry)}`);
        if (entry.kind === 'parallel') {
          // Branches that journaled calls, in branch order.
          const prefix = `${entryPath(path, entry.seq)}/`;
          const branches = Object.keys(journal.chains)
            .filter((key) => key.startsWith(prefix) && !key.slice(prefix.length).includes('/'))
            .sort((a, b) => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length)));
          for (const branch of branches) {
            lines.push(`${at}  ├ branch ${Number(branch.slice(prefix.length)) + 1}`);
            chain(branch, `${at}  │ `);
          }
        }
        const child = entry.kind === 'spell.spawn' ? run.children[(entry.result as { id?: string } | undefined)?.id ?? ''] : undefined;
        if (child) lines.push(`${at}  child ${child.runId} (${child.status})`, ...render(child, `${at}    `));
      }
    };
    chain('', indent);
  }
  lines.push(`${indent}status: ${run.status}`);
  return lines;
}

function line(chain: string, e: JournalEntry): string {
  const outcome = e.error ? `error ${e.error.type}: ${e.error.message}` : JSON.stringify(e.result);
  const usage = e.usage?.totalTokens !== undefined ? `  ${e.usage.totalTokens} tokens` : '';
  return `#${entryPath(chain, e.seq)} ${e.kind} ${e.name}  ${e.durationMs} ms${usage}  attempt ${e.attempt}  → ${outcome}`;
}
