/**
 * A run's journal read back from Temporal history: every run of the workflow id (a run that
 * continued as new is a chain of runs), every branch chain, and child spells as a tree; and
 * the timeline `llmspell history` draws from it, with durations, tokens and cost per node.
 */
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { MAIN_CHAIN, entryPath, type Json, type JournalEntry } from '../journal/types.ts';
import { resolveSettings } from '../contract/settings.ts';
import { addTotals, addUsage, emptyUsage, type ModelPrice, type UsageTotals } from '../contract/usage.ts';
import { runFromHistory, type RebuiltRun } from '../activities/history.ts';
import type { RunHistoryJson, TimelineNode } from './schemas.ts';

export interface RunJournal {
  runId: string;
  /** Journal chains by path: `''` is the main line, `3/1` branch 1 of the parallel call at 3. */
  chains: Record<string, JournalEntry[]>;
  result?: Json;
}

/** What `history --json` prints (schema: RunHistoryJson). */
export interface RunHistory {
  /** The workflow id. */
  runId: string;
  status: string;
  startedAt: string | null;
  closedAt: string | null;
  durationMs: number;
  /** The run's usage, every chain and child spell included. */
  usage: UsageTotals;
  /** The main line of the latest run. */
  entries: JournalEntry[];
  /** Every run of the workflow id, oldest first: continue-as-new makes more than one. */
  runs: RunJournal[];
  /** Child spells (spell.spawn), by workflow id, with their own journals. */
  children: Record<string, RunHistory>;
  /** The run this one forks, when it is a fork: its first `at` entries are copies of that run's. */
  forkedFrom: { workflowId: string; runId: string; at: number } | null;
  /** Upgrades to a new source (llmspell upgrade) of the latest run. */
  upgrades: Array<{ at: string; sourceHash: string; chains: Record<string, number> }>;
}
// The JSON schema describes this type (checked at compile time).
true satisfies RunHistory extends RunHistoryJson ? true : false;
export type Rebuilt = RebuiltRun & { workflowId: string; runId: string };

/** Every run of `workflowId`, oldest first, as rebuilt from their histories. */
export async function runsOf(client: Client, workflowId: string, latest?: WorkflowExecutionDescription): Promise<Rebuilt[]> {
  const converter = client.options.loadedDataConverter;
  const runs: Rebuilt[] = [];
  let runId: string | undefined = (latest ?? (await client.workflow.getHandle(workflowId).describe())).runId;
  while (runId) {
    const rebuilt = await runFromHistory(await client.workflow.getHandle(workflowId, runId).fetchHistory(), converter);
    runs.unshift({ ...rebuilt, workflowId, runId });
    runId = rebuilt.continuedFromRunId;
  }
  return runs;
}

/** A timeline node with the journal entry it shows (the text output prints its result and attempt). */
export type DrawnNode = Omit<TimelineNode, 'children'> & { entry?: JournalEntry; children: DrawnNode[] };

export interface ReadHistory {
  history: RunHistory;
  timeline: DrawnNode[];
  /** The spell file and engine of its first run. */
  spell: { fileName: string; engine: string };
  /** Every run of the workflow id as rebuilt from history, oldest first. */
  runs: Rebuilt[];
}

/** The run's journal (and its children's, with `children`). */
export async function readHistory(client: Client, workflowId: string, options: { children?: boolean } = {}): Promise<RunHistory> {
  return (await readHistoryTree(client, workflowId, options)).history;
}

/** The journal and the timeline drawn from it. */
export async function readHistoryTree(client: Client, workflowId: string, options: { children?: boolean; description?: WorkflowExecutionDescription } = {}): Promise<ReadHistory> {
  const description = options.description ?? (await client.workflow.getHandle(workflowId).describe());
  const runs = await runsOf(client, workflowId, description);
  const children = new Map<string, ReadHistory>();
  if (options.children) {
    for (const run of runs) {
      for (const entries of Object.values(run.chains)) {
        for (const entry of entries) {
          const id = spawnedId(entry);
          if (id) children.set(id, await readHistoryTree(client, id, { children: true }));
        }
      }
    }
  }
  const startedAtMs = runs[0]?.startedAtMs ?? description.startTime.getTime();
  const closedAtMs = description.closeTime?.getTime();
  const end = closedAtMs ?? Date.now();
  // The run's usage as the workflow counts it: every call once (leaves), plus each child's own total.
  const usage = emptyUsage();
  const timeline: DrawnNode[] = [];
  for (const [index, run] of runs.entries()) {
    const prices = resolveSettings(run.spell.options, workflowId, run.spell.carried?.generation).prices;
    // A fork's copied entries were paid for by the run it forks.
    const copied = run.spell.fork?.at ?? 0;
    for (const [chain, entries] of Object.entries(run.chains)) for (const entry of entries) if (chain !== MAIN_CHAIN || entry.seq >= copied) addUsage(usage, entry, prices, false);
    const nodes = marked(run, chainNodes(run, MAIN_CHAIN, prices, children));
    const runEnd = runs[index + 1]?.startedAtMs ?? end;
    if (runs.length === 1) timeline.push(...nodes);
    else {
      const sum = sumOf(nodes);
      timeline.push({
        node: 'run',
        path: run.runId,
        label: `run ${index + 1} of ${runs.length} (${run.runId})${index > 0 ? ', continued as new' : ''}`,
        startedAt: run.startedAtMs,
        durationMs: runEnd - run.startedAtMs,
        tokens: sum.tokens,
        costUsd: sum.cost,
        children: nodes,
      });
    }
  }
  for (const child of children.values()) addTotals(usage, child.history.usage);
  return {
    history: {
      runId: workflowId,
      status: description.status.name,
      startedAt: new Date(startedAtMs).toISOString(),
      closedAt: closedAtMs !== undefined ? new Date(closedAtMs).toISOString() : null,
      durationMs: end - startedAtMs,
      usage,
      entries: runs.at(-1)?.chains[MAIN_CHAIN] ?? [],
      runs: runs.map((run) => ({ runId: run.runId, chains: run.chains, ...(run.result !== undefined ? { result: run.result } : {}) })),
      children: Object.fromEntries([...children].map(([id, child]) => [id, child.history])),
      forkedFrom: (() => {
        const fork = runs[0]?.spell.fork;
        return fork ? { workflowId: fork.workflowId, runId: fork.runId, at: fork.at } : null;
      })(),
      upgrades: (runs.at(-1)?.upgrades ?? []).map((u) => ({ at: new Date(u.atMs).toISOString(), sourceHash: u.sourceHash, chains: u.chains })),
    },
    timeline,
    spell: { fileName: runs[0]?.spell.fileName ?? '?', engine: runs[0]?.spell.engine ?? '?' },
    runs,
  };
}

/** The main line's nodes with marks where a fork diverges from the run it copied and where upgrades switched the source. */
function marked(run: Rebuilt, nodes: DrawnNode[]): DrawnNode[] {
  const marks: Array<{ index: number; node: DrawnNode }> = [];
  const mark = (index: number, node: DrawnNode['node'], label: string, at: number): void => {
    marks.push({ index, node: { node, path: String(index), label, startedAt: at, durationMs: 0, tokens: 0, costUsd: 0, children: [] } });
  };
  const fork = run.spell.fork;
  if (fork) mark(fork.at, 'fork', `forked from ${fork.workflowId} (run ${fork.runId}) at #${fork.at}: the calls above are copies, made by that run`, run.startedAtMs);
  for (const upgrade of run.upgrades) mark(upgrade.chains[MAIN_CHAIN] ?? 0, 'upgrade', `upgraded to source ${upgrade.sourceHash}: the calls below ran it`, upgrade.atMs);
  const out = [...nodes];
  // From the last position back, so earlier positions stay right; a fork mark comes before an upgrade at the same place.
  for (const { index, node } of marks.map((m, i) => ({ ...m, i })).sort((a, b) => b.index - a.index || b.i - a.i)) out.splice(index, 0, node);
  return out;
}

const spawnedId = (entry: JournalEntry): string | undefined => {
  const id = entry.kind === 'spell.spawn' ? (entry.result as { id?: unknown } | undefined)?.id : undefined;
  return typeof id === 'string' ? id : undefined;
};

/** The nodes of one chain: each call, with a parallel call's branches and a spawn's child under it. */
function chainNodes(run: Rebuilt, chain: string, prices: Readonly<Record<string, ModelPrice>>, children: Map<string, ReadHistory>): DrawnNode[] {
  return (run.chains[chain] ?? []).map((entry) => {
    const path = entryPath(chain, entry.seq);
    // A call's own usage and what it stands for: a step's calls, a parallel call's branches, a waited child.
    const totals = emptyUsage();
    addUsage(totals, entry, prices, true);
    const node: DrawnNode = {
      node: 'call',
      path,
      label: `${entry.kind} ${entry.name}`,
      startedAt: entry.startedAt,
      durationMs: entry.durationMs,
      tokens: totals.total_tokens,
      costUsd: totals.cost,
      ...(entry.error ? { error: { type: entry.error.type, message: entry.error.message } } : {}),
      entry,
      children: [],
    };
    if (entry.kind === 'parallel') {
      const prefix = `${path}/`;
      const branches = Object.keys(run.chains)
        .filter((key) => key.startsWith(prefix) && !key.slice(prefix.length).includes('/'))
        .sort((a, b) => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length)));
      for (const branch of branches) {
        const calls = chainNodes(run, branch, prices, children);
        const sum = sumOf(calls);
        const first = calls[0]?.startedAt ?? null;
        const last = calls.at(-1);
        node.children.push({
          node: 'branch',
          path: branch,
          label: `branch ${Number(branch.slice(prefix.length)) + 1}`,
          startedAt: first,
          durationMs: first !== null && last?.startedAt != null ? last.startedAt + last.durationMs - first : 0,
          tokens: sum.tokens,
          costUsd: sum.cost,
          children: calls,
        });
      }
    }
    const id = spawnedId(entry);
    const child = id ? children.get(id) : undefined;
    if (id && child) {
      node.children.push({
        node: 'child',
        path,
        label: `child ${id} (${child.spell.fileName}, ${child.spell.engine})`,
        startedAt: child.history.startedAt ? Date.parse(child.history.startedAt) : null,
        durationMs: child.history.durationMs,
        tokens: child.history.usage.total_tokens,
        costUsd: child.history.usage.cost,
        status: child.history.status,
        children: child.timeline,
      });
    }
    return node;
  });
}

function sumOf(nodes: readonly DrawnNode[]): { tokens: number; cost: number } {
  return nodes.reduce((sum, n) => ({ tokens: sum.tokens + n.tokens, cost: sum.cost + n.costUsd }), { tokens: 0, cost: 0 });
}

/** The timeline as JSON: the journal entries stay in `history`. */
export function timelineJson(nodes: readonly DrawnNode[]): TimelineNode[] {
  return nodes.map(({ entry: _entry, children, ...node }) => ({ ...node, children: timelineJson(children) }));
}
