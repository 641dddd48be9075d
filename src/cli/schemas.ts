/**
 * The JSON documents the CLI prints with `--json`: one per command, exactly one document on
 * stdout. The README documents them; tests check every output against them.
 */
import { z } from 'zod';

const json: z.ZodType<unknown> = z.unknown();

/** A run's status, as Temporal has it (lower case, dashes). */
export const RunStatus = z.enum(['running', 'completed', 'failed', 'canceled', 'terminated', 'continued-as-new', 'timed-out', 'paused', 'unknown']);
export type RunStatus = z.infer<typeof RunStatus>;

export const ErrorInfo = z.object({ type: z.string(), message: z.string() });

export const UsageTotals = z.object({
  input_tokens: z.number(),
  output_tokens: z.number(),
  total_tokens: z.number(),
  /** US dollars. */
  cost: z.number(),
  /** Model calls. */
  calls: z.number(),
});

/** Any command that failed before it could say more: its failure type and message (also on stderr). */
export const ErrorOutput = z.object({ error: ErrorInfo });

/** `llmspell run --json` */
export const RunOutput = z.discriminatedUnion('status', [
  z.object({ runId: z.string(), status: z.literal('completed'), result: json }),
  z.object({ runId: z.string(), status: z.literal('failed'), error: ErrorInfo }),
]);

/** `llmspell start --json` */
export const StartOutput = z.object({ runId: z.string(), status: z.literal('started') });

/** `llmspell signal --json` */
export const SignalOutput = z.object({ runId: z.string(), signal: z.string(), status: z.literal('sent') });

/** `llmspell worker --json`: once, when the worker polls; it then runs until interrupted. */
export const WorkerOutput = z.object({
  status: z.literal('running'),
  address: z.string(),
  namespace: z.string(),
  taskQueue: z.string(),
  maxConcurrentSteps: z.number(),
});

/** `llmspell --version --json` */
export const VersionOutput = z.object({ version: z.string() });

/** One run as `list` shows it: from Temporal visibility (search attributes and memo), no history read. */
export const RunRow = z.object({
  /** The workflow id: what every command takes. */
  runId: z.string(),
  /** Temporal's run id of this execution. */
  temporalRunId: z.string(),
  status: RunStatus,
  /** The spell's file name (search attribute llmspellSpell, else memo `spell`); null when the run recorded none (a child spell). */
  spell: z.string().nullable(),
  engine: z.string().nullable(),
  taskQueue: z.string(),
  /** ISO 8601. */
  startedAt: z.string(),
  closedAt: z.string().nullable(),
  /** Until it closed, or until now while it runs. */
  durationMs: z.number(),
  /** Events in the run's Temporal history (a step is about six; visibility may say 0 while a run runs, describe has the current count); `describe` counts journaled calls. */
  historyEvents: z.number(),
  /** Tokens and dollars so far (memo `usage`, else llmspellTokens / llmspellCostUsd); null before the first model call. */
  tokens: z.number().nullable(),
  costUsd: z.number().nullable(),
  /** The parent's workflow id, for a child spell. */
  parent: z.string().nullable(),
  /** The run this one forks (llmspell fork; memo `forkedFrom`) and how many of its entries it copied. */
  forkedFrom: z.object({ workflowId: z.string(), runId: z.string(), at: z.number() }).nullable(),
});
export type RunRow = z.infer<typeof RunRow>;

/** `llmspell list --json`: in Temporal visibility's order (running runs first, then the most recently closed). */
export const ListOutput = z.object({
  /** The visibility query that was run. */
  query: z.string(),
  runs: z.array(RunRow),
});

export const SpellEvent = z.object({ call: z.number(), name: z.string(), data: json });

/** `llmspell describe --json` */
export const DescribeOutput = RunRow.extend({
  /** True when the run's queries answered (a worker is polling its task queue): state, events, waitingOn and children are current; otherwise they are rebuilt from history. */
  live: z.boolean(),
  /** What a running run waits on: `signal.wait approve`, `sleep 5s`, `child <id>`; null when it is running a step or has ended. */
  waitingOn: z.string().nullable(),
  /** Journaled calls, every chain (branches) included, read from history. */
  steps: z.number(),
  /** The last journaled call. */
  lastStep: z
    .object({ path: z.string(), kind: z.string(), name: z.string(), durationMs: z.number(), error: ErrorInfo.optional() })
    .nullable(),
  /** The step a worker is executing, or waiting to retry (Temporal's pending activity). */
  pendingStep: z
    .object({
      /** The boundary it executes (`step summarize`, `llm.generate offline:echo`), once the worker reported it. */
      call: z.string().nullable(),
      state: z.string(),
      attempt: z.number(),
      maxAttempts: z.number().nullable(),
      scheduledAt: z.string().nullable(),
      lastStartedAt: z.string().nullable(),
      lastHeartbeatAt: z.string().nullable(),
      lastFailure: z.string().nullable(),
    })
    .nullable(),
  state: z.record(z.string(), json),
  /** The last events (`--events N`), oldest first. */
  events: z.array(SpellEvent),
  children: z.array(z.object({ id: z.string(), fileName: z.string().nullable(), engine: z.string().nullable(), status: z.string() })),
  usage: UsageTotals.nullable(),
  /** How a completed run ended. */
  result: json.optional(),
  /** How a failed, cancelled or terminated run ended. */
  error: ErrorInfo.optional(),
});

/** `llmspell cancel --json` */
export const CancelOutput = z.object({ runId: z.string(), status: z.literal('cancel-requested') });

/** `llmspell terminate --json` */
export const TerminateOutput = z.object({ runId: z.string(), status: z.literal('terminated'), reason: z.string().nullable() });

const TokenUsage = z.object({ inputTokens: z.number().optional(), outputTokens: z.number().optional(), totalTokens: z.number().optional() });

/** A journal entry (src/journal/types.ts); fields beyond these (a step's calls, state changes) pass through. */
export const JournalEntry = z.object({
  seq: z.number(),
  kind: z.string(),
  name: z.string(),
  argsDigest: z.string(),
  result: json.optional(),
  error: z.object({ type: z.string(), message: z.string(), where: z.string().optional() }).optional(),
  startedAt: z.number(),
  durationMs: z.number(),
  attempt: z.number(),
  usage: TokenUsage.optional(),
});

/**
 * One node of the timeline: a journaled call, a branch of a parallel call, a child spell, one
 * run of a continued chain; or a mark between calls: where a fork diverges from the run it
 * copied, where an upgrade switched the source.
 */
export interface TimelineNode {
  node: 'call' | 'branch' | 'child' | 'run' | 'fork' | 'upgrade';
  /** Journal path of a call (`3`, `3/1/0`), a branch (`3/1`) or the spawn call of a child; a run's Temporal run id. */
  path: string;
  label: string;
  /** Epoch milliseconds; null when unknown. */
  startedAt: number | null;
  durationMs: number;
  /** Tokens and dollars of the node and everything under it. */
  tokens: number;
  costUsd: number;
  status?: string | undefined;
  error?: { type: string; message: string } | undefined;
  children: TimelineNode[];
}
export const TimelineNode: z.ZodType<TimelineNode> = z.object({
  node: z.enum(['call', 'branch', 'child', 'run', 'fork', 'upgrade']),
  path: z.string(),
  label: z.string(),
  startedAt: z.number().nullable(),
  durationMs: z.number(),
  tokens: z.number(),
  costUsd: z.number(),
  status: z.string().optional(),
  error: ErrorInfo.optional(),
  get children() {
    return z.array(TimelineNode);
  },
});

export interface RunHistoryJson {
  runId: string;
  status: string;
  startedAt: string | null;
  closedAt: string | null;
  durationMs: number;
  usage: z.infer<typeof UsageTotals>;
  entries: Array<z.infer<typeof JournalEntry>>;
  runs: Array<{ runId: string; chains: Record<string, Array<z.infer<typeof JournalEntry>>>; result?: unknown }>;
  children: Record<string, RunHistoryJson>;
  forkedFrom: { workflowId: string; runId: string; at: number } | null;
  upgrades: Array<{ at: string; sourceHash: string; chains: Record<string, number> }>;
}
/** A run's journal read back from history: every run of the workflow id, every chain, child spells. */
const runHistoryShape = {
  runId: z.string(),
  /** Temporal's status name (COMPLETED, RUNNING, …). */
  status: z.string(),
  startedAt: z.string().nullable(),
  closedAt: z.string().nullable(),
  durationMs: z.number(),
  /** Totals over the journal, branches and children included. */
  usage: UsageTotals,
  /** The main line of the latest run. */
  entries: z.array(JournalEntry),
  runs: z.array(z.object({ runId: z.string(), chains: z.record(z.string(), z.array(JournalEntry)), result: json.optional() })),
  /** Child spells by workflow id, each its own journal. */
  get children(): z.ZodRecord<z.ZodString, z.ZodType<RunHistoryJson>> {
    return z.record(z.string(), RunHistoryJson);
  },
  /** A fork's origin: its first `at` main-line entries are copies, not counted in its usage. */
  forkedFrom: z.object({ workflowId: z.string(), runId: z.string(), at: z.number() }).nullable(),
  /** Upgrades to a new source (llmspell upgrade), each with when (ISO 8601) and the chain lengths it switched at. */
  upgrades: z.array(z.object({ at: z.string(), sourceHash: z.string(), chains: z.record(z.string(), z.number()) })),
};
export const RunHistoryJson: z.ZodType<RunHistoryJson> = z.object(runHistoryShape);

/** `llmspell history --json`: the journal, and the timeline tree the text output draws. */
export const HistoryOutput = z.object({ ...runHistoryShape, timeline: z.array(TimelineNode) });

/** One event as `history --events` lists it. */
export const HistoryEvent = SpellEvent.extend({
  /** `script` (event.emit), or the bridge's: `llm`, `tool`, `agent`, `hook`. */
  kind: z.string(),
  /** The journal chain that emitted it: `''` the main line, `3/1` a branch. */
  chain: z.string(),
  /** Temporal's run id (continue-as-new makes more than one). */
  temporalRunId: z.string(),
  /** When the step that emitted it completed (ISO 8601). */
  recordedAt: z.string().nullable(),
});

/** `llmspell history --events --json` */
export const HistoryEventsOutput = z.object({ runId: z.string(), events: z.array(HistoryEvent) });

/** `llmspell replay --json` */
export const ReplayOutput = z.discriminatedUnion('status', [
  z.object({ runId: z.string(), status: z.literal('replayed'), calls: z.number(), result: json, matches: z.boolean().nullable() }),
  /** The run is still going: every journaled call agreed, and `at` is the call it makes next. */
  z.object({ runId: z.string(), status: z.literal('open'), calls: z.number(), at: z.string() }),
  z.object({ runId: z.string(), status: z.enum(['diverged', 'failed']), calls: z.number(), error: z.object({ type: z.string(), message: z.string(), where: z.string().optional() }) }),
]);

/** `llmspell history --verify --json` */
export const VerifyOutput = z.discriminatedUnion('status', [
  z.object({ runId: z.string(), status: z.literal('verified'), runs: z.array(z.object({ runId: z.string(), chains: z.number(), entries: z.number(), unchained: z.number() })) }),
  z.object({
    runId: z.string(),
    status: z.literal('failed'),
    runs: z.array(z.object({ runId: z.string(), chains: z.number(), entries: z.number(), unchained: z.number() })),
    /** SpellJournalMismatch (an entry changed: `where` is its path) or SpellNondeterminism (the script does not re-derive it). */
    error: z.object({ type: z.string(), message: z.string(), where: z.string() }),
  }),
]);

/** `llmspell upgrade --json` (a refusal is the error document: SpellNondeterminism, exit 4). */
export const UpgradeOutput = z.object({ runId: z.string(), status: z.literal('upgraded'), sourceHash: z.string(), checkedCalls: z.number() });

/** `llmspell check --json` */
export const CheckOutput = z.object({
  file: z.string(),
  query: z.string(),
  runs: z.array(
    z.object({
      runId: z.string(),
      temporalRunId: z.string(),
      runStatus: RunStatus,
      calls: z.number(),
      status: z.enum(['compatible', 'diverges', 'skipped']),
      /** compatible: the call the run makes next (null: it replays to its end). */
      at: z.string().nullable().optional(),
      error: z.object({ type: z.string(), message: z.string(), where: z.string().optional() }).optional(),
      reason: z.string().optional(),
    }),
  ),
  diverging: z.number(),
});

/** Every command's document, by command (for the README and tests). */
export const OUTPUTS = {
  run: RunOutput,
  start: StartOutput,
  worker: WorkerOutput,
  signal: SignalOutput,
  list: ListOutput,
  describe: DescribeOutput,
  cancel: CancelOutput,
  terminate: TerminateOutput,
  history: HistoryOutput,
  'history --events': HistoryEventsOutput,
  replay: ReplayOutput,
  'history --verify': VerifyOutput,
  fork: RunOutput,
  upgrade: UpgradeOutput,
  check: CheckOutput,
  version: VersionOutput,
  error: ErrorOutput,
} as const;
