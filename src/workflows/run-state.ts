/**
 * The run's state in the workflow: the journal (a chain per line of work), state, events,
 * usage, children and signals. Queries read it; continue-as-new carries part of it.
 */
import { EMPTY_JOURNAL_HASH, chainHash, entryDigest } from '../journal/canonical.ts';
import { MAIN_CHAIN, entryPath, pathTo, type Json, type JournalEntry, type SpellEvent, type StateOp } from '../journal/types.ts';
import { withBridgeEvents } from '../journal/events.ts';
import type { CarriedRun, ChainRef, RunOutcome, SpellProgress, StepLine } from '../contract/run.ts';
import type { RunSettings } from '../contract/settings.ts';
import { addTotals, addUsage, emptyUsage, type UsageTotals } from '../contract/usage.ts';

/** What the workflow keeps for queries: the latest lines and events, bounded in number and bytes. */
const MAX_KEPT = 1000;
const MAX_EVENT_BYTES_KEPT = 1024 * 1024;
/** An event larger than this is kept as its name and size: its data stays in history. */
const MAX_EVENT_BYTES = 64 * 1024;

/**
 * One chain of the journal as the workflow keeps it: its length and rolling hash (workers
 * check their cached copy against them), not the entries, whose results may be large;
 * history holds them.
 */
export interface ChainState {
  length: number;
  /** The chain's hash up to its last entry not in `unhashed` (see RunState.hashOf). */
  hash: string;
  /**
   * Entries of the main line's last activity, with the digests it sent, when that activity
   * ended the run's script (it returned or failed): their hash is needed only if another
   * activity of the chain comes (see RunState.hashOf), and the run is ending. Hashing in the
   * sandbox is slow (~1 ms for a 4 KB agent result). Every other entry is hashed as it comes,
   * so no waiting run, and no branch waiting for its siblings, holds its entries.
   */
  unhashed: Array<{ entry: JournalEntry; digest: string | undefined }>;
  /** Entries the workflow appended since an activity of this chain last returned. */
  tail: JournalEntry[];
  /** Bridge-call counter of the chain's last execution: side effects below it were reported. */
  calls: number;
  /** A branch's state changes, applied to the run's state when its parallel call returns. */
  stateOps: StateOp[];
  /** Usage of the chain's calls, nested parallel calls included: a parallel entry sums its branches'. */
  usage: UsageTotals;
}

export interface ChildState {
  /** The child's workflow id. */
  id: string;
  fileName: string;
  engine: string;
  status: 'running' | 'completed' | 'failed';
  /** Tokens and dollars reserved for the child until it ends. */
  lease?: { tokens: number; cost: number };
  /** Settles with the child's outcome and usage. */
  done: Promise<{ ok: true; value: Json } | { ok: false; error: { type: string; message: string } }>;
  usage?: UsageTotals;
}

export class RunState {
  readonly chains = new Map<string, ChainState>();
  readonly state: Record<string, Json>;
  readonly events: SpellEvent[] = [];
  readonly lines: StepLine[] = [];
  private droppedEvents = 0;
  private readonly eventBytes: number[] = [];
  private eventBytesTotal = 0;
  private droppedLines = 0;
  /** Model usage of the whole run: every chain's calls and finished children, earlier runs of a continued chain too. */
  readonly usage: UsageTotals;
  readonly signals = new Map<string, Json[]>();
  readonly children = new Map<string, ChildState>();
  progress: Pick<SpellProgress, 'status' | 'waitingOn'> = { status: 'running' };
  /** Activities in flight, and the upgrade (its number) that holds new ones back; 0: none. */
  active = 0;
  hold = 0;
  holdCount = 0;
  /** Model-using activities (or ended children) since the usage was last published (memo, search attributes). */
  usageUnpublished = 0;
  readonly settings: RunSettings;
  readonly carried: CarriedRun | undefined;

  constructor(settings: RunSettings, carried?: CarriedRun) {
    this.settings = settings;
    this.carried = carried;
    this.state = { ...carried?.state };
    this.usage = carried ? { ...carried.usage } : emptyUsage();
    for (const [name, queue] of Object.entries(carried?.signals ?? {})) this.signals.set(name, [...queue]);
  }

  chain(path: string): ChainState {
    let chain = this.chains.get(path);
    if (!chain) {
      chain = { length: 0, hash: EMPTY_JOURNAL_HASH, unhashed: [], tail: [], calls: 0, stateOps: [], usage: emptyUsage() };
      this.chains.set(path, chain);
    }
    return chain;
  }

  /**
   * Appends an entry to a chain. Entries the workflow made (commands) get their prevHash here
   * and travel to the next activity in the chain's tail; an activity's entries come with their
   * prevHash and digest (older workers' without: they are hashed here).
   */
  append(path: string, entry: JournalEntry, fromWorkflow: boolean, digest?: string): void {
    const chain = this.chain(path);
    if (fromWorkflow) entry.prevHash = this.hashOf(chain);
    chain.length++;
    chain.unhashed.push({ entry, digest });
    if (fromWorkflow) {
      this.hashOf(chain);
      chain.tail.push(entry);
      // State changes of branches reach the run's state when their parallel call returns.
      if (entry.stateOps?.length) this.applyState(path, entry.stateOps);
    }
    addUsage(this.usage, entry, this.settings.prices, false);
    addUsage(chain.usage, entry, this.settings.prices, true);
    this.lines.push(lineOf(entryPath(path, entry.seq), entry));
    if (this.lines.length > MAX_KEPT) this.droppedLines += this.lines.splice(0, this.lines.length - MAX_KEPT).length;
  }

  /**
   * A fork's first entries, copied from the run it forks (SpellWorkflowInput.fork): they replay
   * with no call made, so they count in the chain but not in this run's usage.
   */
  seed(path: string, entries: readonly JournalEntry[]): void {
    const chain = this.chain(path);
    for (const entry of entries) {
      chain.length++;
      chain.unhashed.push({ entry, digest: undefined });
      if (entry.stateOps?.length) this.applyState(path, entry.stateOps);
      this.lines.push(lineOf(entryPath(path, entry.seq), entry));
    }
    this.hashOf(chain);
    if (this.lines.length > MAX_KEPT) this.droppedLines += this.lines.splice(0, this.lines.length - MAX_KEPT).length;
  }

  /** The length of every chain the run holds entries of. */
  chainLengths(): Record<string, number> {
    return Object.fromEntries([...this.chains].filter(([, chain]) => chain.length > 0).map(([path, chain]) => [path, chain.length]));
  }

  /** What an activity of `path` produced. */
  applyOutcome(path: string, outcome: RunOutcome): void {
    const chain = this.chain(path);
    chain.tail = [];
    outcome.entries.forEach((entry, i) => this.append(path, entry, false, outcome.digests?.[String(i)]));
    if (path !== MAIN_CHAIN || (outcome.next.type !== 'done' && outcome.next.type !== 'failed')) this.hashOf(chain);
    this.applyState(path, outcome.stateOps);
    for (const event of withBridgeEvents(outcome.events, outcome.entries)) this.keepEvent(event);
    chain.calls = outcome.calls;
  }

  private keepEvent(event: SpellEvent): void {
    let bytes = JSON.stringify(event.data).length;
    if (bytes > MAX_EVENT_BYTES) {
      event = { ...event, data: { too_large_to_keep_bytes: bytes } };
      bytes = 64;
    }
    this.events.push(event);
    this.eventBytes.push(bytes);
    this.eventBytesTotal += bytes;
    while (this.events.length > MAX_KEPT || this.eventBytesTotal > MAX_EVENT_BYTES_KEPT) {
      this.events.shift();
      this.eventBytesTotal -= this.eventBytes.shift()!;
      this.droppedEvents++;
    }
  }

  private applyState(path: string, ops: readonly StateOp[]): void {
    if (path !== MAIN_CHAIN) {
      this.chain(path).stateOps.push(...ops);
      return;
    }
    for (const op of ops) {
      if (op.op === 'set') this.state[op.key] = op.value;
      else delete this.state[op.key];
    }
  }

  /** The chains an activity of `path` needs: each ancestor (blocked at the parallel call leading on) and the chain itself. */
  refs(path: string): { chains: ChainRef[]; tails?: Record<string, JournalEntry[]> } {
    const paths = [...pathTo(path).map((step) => step.chain), path];
    const chains = paths.map((p) => {
      const chain = this.chain(p);
      return { chain: p, length: chain.length, hash: this.hashOf(chain) };
    });
    const tails = Object.fromEntries(paths.filter((p) => this.chain(p).tail.length > 0).map((p) => [p, this.chain(p).tail]));
    return { chains, ...(Object.keys(tails).length > 0 ? { tails } : {}) };
  }

  /** The chain's hash after its last entry. */
  private hashOf(chain: ChainState): string {
    for (const { entry, digest } of chain.unhashed) chain.hash = chainHash(chain.hash, digest ?? entryDigest(entry));
    chain.unhashed = [];
    return chain.hash;
  }

  /** Drops a finished branch's chain: its parallel entry holds what replays need. */
  forget(path: string): void {
    for (const key of [...this.chains.keys()]) if (key === path || key.startsWith(`${path}/`)) this.chains.delete(key);
  }

  /** Tokens and dollars the run has spent or reserved for children. */
  spent(): { tokens: number; cost: number } {
    let tokens = this.usage.total_tokens;
    let cost = this.usage.cost;
    for (const child of this.children.values()) {
      if (child.status === 'running' && child.lease) {
        tokens += child.lease.tokens;
        cost += child.lease.cost;
      }
    }
    return { tokens, cost };
  }

  /** A finished child's usage joins the run's. */
  childEnded(ref: string, ok: boolean, usage: UsageTotals | undefined): void {
    const child = this.children.get(ref);
    if (!child || child.status !== 'running') return;
    child.status = ok ? 'completed' : 'failed';
    if (usage) {
      child.usage = usage;
      addTotals(this.usage, usage);
      this.usageUnpublished++;
    }
  }

  progressFrom(fromLine: number, fromEvent: number): SpellProgress {
    return {
      ...this.progress,
      usage: this.usage,
      steps: this.lines.slice(Math.max(0, fromLine - this.droppedLines)),
      events: this.events.slice(Math.max(0, fromEvent - this.droppedEvents)),
      children: Object.fromEntries([...this.children.values()].map((c) => [c.id, { fileName: c.fileName, engine: c.engine, status: c.status }])),
    };
  }
}

function lineOf(path: string, entry: JournalEntry): StepLine {
  return {
    path,
    seq: entry.seq,
    kind: entry.kind,
    name: entry.name,
    durationMs: entry.durationMs,
    ...(entry.error ? { error: `${entry.error.type}: ${entry.error.message}` } : {}),
    ...(entry.usage ? { usage: entry.usage } : {}),
  };
}
