/**
 * A run rebuilt from its Temporal history: the journal lives there and nowhere else. New
 * entries are activity results (of the chain the activity ran); entries the workflow
 * appended (durable commands) travel in a later activity's input. Payloads are decoded
 * through the data converter, so codecs and External Storage keep working.
 */
import type { temporal } from '@temporalio/proto';
import type { LoadedDataConverter } from '@temporalio/common';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow/codec-helpers.js';
import { MAIN_CHAIN, type Json, type JournalEntry, type SpellEvent, type StateOp } from '../journal/types.ts';
import { withBridgeEvents } from '../journal/events.ts';
import type { RunSpellInput, RunSpellResult, SpellWorkflowInput } from '../contract/run.ts';

type History = temporal.api.history.v1.IHistory;
type Payloads = temporal.api.common.v1.IPayloads | null | undefined;

/** An activity input as v0.1.0 scheduled it: one chain, the journal by length and hash. */
export interface LegacyRunSpellInput {
  workflowId: string;
  runId: string;
  /** v0.1.0: the full sha-256 of the source. */
  sourceHash: string;
  startedAtMs: number;
  journalLength: number;
  journalHash: string;
  tail: JournalEntry[];
  reportFromCall: number;
  maxAttempts: number;
}

/** An activity input of this release, or of v0.1.0 (a run in flight across an upgrade). */
export function currentInput(input: RunSpellInput | LegacyRunSpellInput): RunSpellInput {
  if (!('journalLength' in input)) return input;
  return {
    sourceHash: input.sourceHash.slice(0, 16),
    startedAtMs: input.startedAtMs,
    target: MAIN_CHAIN,
    // v0.1.0 hashed chains another way: its hash cannot be checked, the length can.
    chains: [{ chain: MAIN_CHAIN, length: input.journalLength, hash: '' }],
    ...(input.tail.length > 0 ? { tails: { [MAIN_CHAIN]: input.tail } } : {}),
    reportFromCall: input.reportFromCall,
    maxAttempts: input.maxAttempts,
    history: { events: 0, bytes: 0, suggested: false },
  };
}

/** The marker Temporal's SDK records a local activity's result in. */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

export interface RebuiltRun {
  spell: SpellWorkflowInput;
  /** When the run started: its deterministic clock starts there. */
  startedAtMs: number;
  /** Journal chains by path, each in seq order; `''` is the main line. */
  chains: Record<string, JournalEntry[]>;
  /** The spell's result, when the run completed. */
  result?: Json;
  /** The run this one continued from (continue-as-new). */
  continuedFromRunId?: string;
  /** Events the script and the bridge emitted, in history order, with the chain that emitted them and when its step completed. */
  events: Array<SpellEvent & { chain: string; recordedAtMs: number }>;
  /** The run's state (`state.*`) as history leaves it: what the `spell.state` query answers, without a worker. */
  state: Record<string, Json>;
  /** Upgrades to a new source (llmspell upgrade), in order: `spell.source` is the last one's. */
  upgrades: Array<{ atMs: number; sourceHash: string; chains: Record<string, number> }>;
}

/** The update `llmspell upgrade` sends (src/workflows/api.ts; not imported: that module is the workflow's). */
const UPGRADE_UPDATE = 'spell.upgrade';

export async function runFromHistory(history: History, converter: LoadedDataConverter): Promise<RebuiltRun> {
  const decode = async <T>(payloads: Payloads): Promise<T | undefined> =>
    payloads?.payloads?.length ? await decodeFromPayloadsAtIndex<T>(converter, 0, payloads.payloads) : undefined;
  let spell: SpellWorkflowInput | undefined;
  let startedAtMs = 0;
  let continuedFromRunId: string | undefined;
  let result: Json | undefined;
  const chains = new Map<string, Map<number, JournalEntry>>();
  const add = (chain: string, entries: readonly JournalEntry[]) => {
    let map = chains.get(chain);
    if (!map) chains.set(chain, (map = new Map()));
    for (const entry of entries) map.set(entry.seq, entry);
  };
  /** The chain each scheduled activity ran, by its scheduled event id. */
  const targets = new Map<string, string>();
  const events: RebuiltRun['events'] = [];
  const state: Record<string, Json> = {};
  // Main-line state changes, in the order the workflow applied them (RunState.applyState).
  const apply = (ops: readonly StateOp[] | undefined) => {
    for (const op of ops ?? []) {
      if (op.op === 'set') state[op.key] = op.value;
      else delete state[op.key];
    }
  };
  /** Sources of accepted upgrades, by the event id of their acceptance: applied if they completed as `upgraded`. */
  const offered = new Map<string, { source: string; chains: Record<string, number> }>();
  const upgrades: RebuiltRun['upgrades'] = [];
  for (const event of history.events ?? []) {
    const accepted = event.workflowExecutionUpdateAcceptedEventAttributes;
    if (accepted?.acceptedRequest?.input?.name === UPGRADE_UPDATE) {
      const request = await decode<{ source?: string; checked: Record<string, number> }>(accepted.acceptedRequest.input.args);
      if (request?.source !== undefined) offered.set(String(event.eventId), { source: request.source, chains: request.checked });
    }
    const updated = event.workflowExecutionUpdateCompletedEventAttributes;
    const upgrade = updated ? offered.get(String(updated.acceptedEventId)) : undefined;
    if (updated && upgrade && spell) {
      const outcome = await decode<{ status: string; sourceHash?: string }>(updated.outcome?.success);
      if (outcome?.status === 'upgraded') {
        spell = { ...spell, source: upgrade.source };
        upgrades.push({ atMs: timeOf(event.eventTime), sourceHash: outcome.sourceHash ?? '', chains: upgrade.chains });
      }
    }
    const started = event.workflowExecutionStartedEventAttributes;
    if (started) {
      spell = await decode<SpellWorkflowInput>(started.input);
      Object.assign(state, spell?.carried?.state);
      // A fork starts with the first calls of the run it forks (RunState.seed).
      if (spell?.fork) {
        add(MAIN_CHAIN, spell.fork.journal);
        for (const entry of spell.fork.journal) apply(entry.stateOps);
      }
      startedAtMs = timeOf(event.eventTime);
      continuedFromRunId = started.continuedExecutionRunId || undefined;
    }
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const raw = await decode<RunSpellInput | LegacyRunSpellInput>(scheduled.input);
      if (raw) {
        const input = currentInput(raw);
        targets.set(String(event.eventId), input.target);
        for (const [chain, tail] of Object.entries(input.tails ?? {})) {
          // A tail is sent again after a failed activity: apply each entry once.
          if (chain === MAIN_CHAIN) for (const entry of tail) if (!chains.get(MAIN_CHAIN)?.has(entry.seq)) apply(entry.stateOps);
          add(chain, tail);
        }
      }
    }
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed) {
      const outcome = await decode<RunSpellResult>(completed.result);
      const chain = targets.get(String(completed.scheduledEventId)) ?? MAIN_CHAIN;
      add(chain, outcome?.entries ?? []);
      for (const emitted of withBridgeEvents(outcome?.events ?? [], outcome?.entries ?? [])) events.push({ ...emitted, chain, recordedAtMs: timeOf(event.eventTime) });
      if (chain === MAIN_CHAIN) apply(outcome?.stateOps);
    }
    // A local activity's result is a marker; its input is not kept, so the result names its chain and carries the tails.
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName === LOCAL_ACTIVITY_MARKER) {
      const outcome = await decode<RunSpellResult>(marker.details?.result);
      const chain = outcome?.target ?? MAIN_CHAIN;
      for (const [tailChain, tail] of Object.entries(outcome?.tails ?? {})) {
        if (tailChain === MAIN_CHAIN) for (const entry of tail) if (!chains.get(MAIN_CHAIN)?.has(entry.seq)) apply(entry.stateOps);
        add(tailChain, tail);
      }
      add(chain, outcome?.entries ?? []);
      for (const emitted of withBridgeEvents(outcome?.events ?? [], outcome?.entries ?? [])) events.push({ ...emitted, chain, recordedAtMs: timeOf(event.eventTime) });
      if (chain === MAIN_CHAIN) apply(outcome?.stateOps);
    }
    const completedRun = event.workflowExecutionCompletedEventAttributes;
    if (completedRun) result = (await decode<Json>(completedRun.result)) ?? null;
  }
  if (!spell) throw new Error('history has no WorkflowExecutionStarted event with a spell input');
  return {
    spell,
    startedAtMs,
    chains: Object.fromEntries([...chains].map(([chain, map]) => [chain, [...map.values()].sort((a, b) => a.seq - b.seq)])),
    ...(result !== undefined ? { result } : {}),
    ...(continuedFromRunId ? { continuedFromRunId } : {}),
    events,
    state,
    upgrades,
  };
}

function timeOf(time: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  if (!time) return 0;
  return Number(time.seconds ?? 0) * 1000 + Math.floor((time.nanos ?? 0) / 1e6);
}
