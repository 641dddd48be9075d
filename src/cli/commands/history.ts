/**
 * `llmspell history <run-id>`: the run's journal as a tree (branches, child spells, continued
 * runs) with durations, tokens and cost per node, then the totals. With --events, the events
 * the run emitted, read from its history, filtered by --kind and --name.
 */
import { BRIDGE_EVENTS, journaledCalls, type JournalEntry } from '../../journal/types.ts';
import { EXIT_CODES, exitCodeFor } from '../../contract/errors.ts';
import type { ConnectionFlags } from '../../server/connection.ts';
import { EnginePool } from '../../engines/pool.ts';
import { readExport, recordedOf } from '../export.ts';
import type { RecordedRun } from '../replaying.ts';
import { verifyRuns } from '../verifying.ts';
import { connect } from '../connect.ts';
import { readHistoryTree, runsOf, timelineJson, type DrawnNode } from '../history.ts';
import { UsageError, parse } from '../options.ts';
import { formatCost, formatDuration } from '../runs.ts';
import type { z } from 'zod';
import type { HistoryEvent } from '../schemas.ts';

export async function history(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    json: { type: 'boolean' },
    events: { type: 'boolean' },
    kind: { type: 'string' },
    name: { type: 'string' },
    verify: { type: 'boolean' },
    file: { type: 'string' },
  });
  if (values.file !== undefined && !values.verify) throw new UsageError('--file: reads an export for --verify (replay --file replays one)');
  if (values.verify) return await verify(values, positionals);
  const id = positionals[0];
  if (!id || positionals.length > 1) throw new UsageError('expected: history <run-id> [--events [--kind KIND] [--name NAME]] [--verify]');
  if (!values.events && (values.kind !== undefined || values.name !== undefined)) throw new UsageError(`--${values.kind !== undefined ? 'kind' : 'name'}: filters events; add --events`);
  const { connection, client } = await connect(values);
  try {
    if (values.events) {
      const events = (await runsOf(client, id))
        .flatMap((run) =>
          run.events.map(({ recordedAtMs, ...event }) => ({
            ...event,
            kind: eventKind(event.name),
            temporalRunId: run.runId,
            recordedAt: recordedAtMs ? new Date(recordedAtMs).toISOString() : null,
          })),
        )
        .filter((event) => (values.kind === undefined || event.kind === values.kind) && (values.name === undefined || nameMatches(values.name, event.name)));
      if (values.json) process.stdout.write(`${JSON.stringify({ runId: id, events })}\n`);
      else for (const event of events) process.stdout.write(`${eventLine(event)}\n`);
      return EXIT_CODES.ok;
    }
    const { history, timeline } = await readHistoryTree(client, id, { children: true });
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ ...history, timeline: timelineJson(timeline) })}\n`);
    } else {
      for (const line of draw(timeline, '')) process.stdout.write(`${line}\n`);
      const calls = history.runs.reduce((n, run) => n + journaledCalls(run.chains), 0);
      const children = Object.keys(history.children).length;
      process.stdout.write(
        `total: ${calls} calls${children ? `, ${children} child spell${children > 1 ? 's' : ''}` : ''}, ${formatDuration(history.durationMs)}, ` +
          `${history.usage.total_tokens} tokens, ${formatCost(history.usage.cost)}\n` +
          `status: ${history.status}\n`,
      );
    }
  } finally {
    await connection.close();
  }
  return EXIT_CODES.ok;
}

/** `history --verify`: the prevHash chain of every journal chain, and each entry re-derived by an offline replay. */
async function verify(values: { json?: boolean | undefined; file?: string | undefined; events?: boolean | undefined } & ConnectionFlags, positionals: string[]): Promise<number> {
  if (values.events) throw new UsageError('--verify checks the journal; --events lists events: use one');
  if (values.file !== undefined ? positionals.length > 0 : positionals.length !== 1) throw new UsageError('expected: history <run-id> --verify, or history --verify --file EXPORT.json');
  let id: string;
  let runs: Array<RecordedRun & { chainHashes?: Record<string, string> }>;
  if (values.file !== undefined) {
    const exported = await readExport(values.file);
    id = exported.workflowId;
    runs = exported.runs.map((run) => recordedOf(exported, run));
  } else {
    id = positionals[0]!;
    const { connection, client } = await connect(values);
    try {
      runs = await runsOf(client, id);
    } finally {
      await connection.close();
    }
  }
  const pool = new EnginePool({ maxThreadsPerEngine: 1, keepRuns: false });
  let report;
  try {
    report = await verifyRuns(pool, runs);
  } finally {
    await pool.close();
  }
  if (values.json) process.stdout.write(`${JSON.stringify({ runId: id, ...report })}\n`);
  else if (report.status === 'verified') {
    const entries = report.runs.reduce((n, run) => n + run.entries, 0);
    const unchained = report.runs.reduce((n, run) => n + run.unchained, 0);
    process.stdout.write(
      `verified ${id}: ${entries} journal entries in ${report.runs.reduce((n, run) => n + run.chains, 0)} chains${report.runs.length > 1 ? ` over ${report.runs.length} runs` : ''}; ` +
        `each links to the one before it by prevHash${unchained ? ` (but ${unchained} journaled before prevHash existed)` : ''}, and re-derives from the recorded arguments on replay\n`,
    );
  } else process.stderr.write(`llmspell: ${id} failed verification at #${report.error.where}: ${report.error.type}: ${report.error.message}\n`);
  return report.status === 'verified' ? EXIT_CODES.ok : exitCodeFor(report.error.type);
}

/** Bridge events are named by their source (`llm.request` → llm); hook.refused too. The rest are the script's (event.emit). */
export function eventKind(name: string): string {
  return BRIDGE_EVENTS.includes(name) || name === 'hook.refused' ? name.slice(0, name.indexOf('.')) : 'script';
}

/** `*` matches any run of characters; otherwise the whole name. */
function nameMatches(pattern: string, name: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return regex.test(name);
}

function eventLine(event: z.infer<typeof HistoryEvent>): string {
  return `${event.recordedAt ?? '-'}  ${event.chain ? `branch ${event.chain}  ` : ''}${event.kind}  ${event.name}  ${JSON.stringify(event.data)}`;
}

/** Tree lines: a call per line, branches and children drawn under their call. */
function draw(nodes: readonly DrawnNode[], indent: string): string[] {
  const lines: string[] = [];
  for (const node of nodes) {
    if (node.node === 'run') {
      lines.push(`${indent}── ${node.label}  ${measures(node)}`, ...draw(node.children, indent));
    } else if (node.node === 'branch') {
      lines.push(`${indent}├ ${node.label}  ${measures(node)}`, ...draw(node.children, `${indent}│ `));
    } else if (node.node === 'fork' || node.node === 'upgrade') {
      lines.push(`${indent}── ${node.label}`);
    } else if (node.node === 'child') {
      lines.push(`${indent}child ${node.label.slice('child '.length)} ${node.status}  ${measures(node)}`, ...draw(node.children, `${indent}  `));
    } else {
      lines.push(`${indent}${callLine(node)}`, ...draw(node.children, `${indent}  `));
    }
  }
  return lines;
}

function measures(node: DrawnNode): string {
  const usage = node.tokens > 0 || node.costUsd > 0 ? `  ${node.tokens} tokens  ${formatCost(node.costUsd)}` : '';
  return `${formatDuration(node.durationMs)}${usage}`;
}

function callLine(node: DrawnNode): string {
  const e = node.entry as JournalEntry;
  const outcome = e.error ? `error ${e.error.type}: ${e.error.message}` : JSON.stringify(e.result);
  return `#${node.path} ${node.label}  ${measures(node)}  attempt ${e.attempt}  → ${outcome}`;
}
