/** Runs a script once through an engine pool, with host effects answered in-process. */
import type { Json, JournalEntry } from '../../src/journal/types.ts';
import { DEFAULT_LIMITS, DEFAULT_PRICES, type Limits, type RunOutcome, type UsageTotals } from '../../src/contract/index.ts';
import type { EffectRequest, EffectResult } from '../../src/runtime/protocol.ts';
import { SPELL_EXTENSIONS } from '../../src/engines/registry.ts';
import type { EnginePool } from '../../src/engines/pool.ts';

export interface RunOnceOptions {
  engine?: string;
  input?: Json;
  journal?: JournalEntry[];
  limits?: Partial<Limits>;
  effect?: (request: EffectRequest, callScriptTool: (name: string, args: Json) => Promise<EffectResult>) => Promise<EffectResult>;
  fileName?: string;
  spellId?: string;
  /** Activity attempt (1-based). */
  attempt?: number;
  /** Calls whose events, logs and state changes an earlier execution reported (the workflow's count). */
  reportFromCall?: number;
  seed?: number;
  startedAtMs?: number;
  initialState?: Record<string, Json>;
  carriedUsage?: UsageTotals;
}

export function runOnce(pool: EnginePool, source: string, options: RunOnceOptions = {}): Promise<RunOutcome> {
  const engine = options.engine ?? 'lua';
  return pool.run(
    {
      engine,
      source,
      fileName: options.fileName ?? `test${SPELL_EXTENSIONS[engine]}`,
      input: options.input ?? null,
      spell: { id: options.spellId ?? 'spell-test', runId: 'run-test', attempt: options.attempt ?? 1, startedAtMs: options.startedAtMs ?? 1_700_000_000_000, seed: options.seed ?? 7 },
      chains: { '': options.journal ?? [] },
      target: '',
      prices: { ...DEFAULT_PRICES },
      defaultModel: 'offline:echo',
      reportFromCall: options.reportFromCall ?? 0,
      limits: { ...DEFAULT_LIMITS, ...options.limits },
      ...(options.initialState ? { initialState: options.initialState } : {}),
      ...(options.carriedUsage ? { carriedUsage: options.carriedUsage } : {}),
    },
    {
      effect: options.effect ?? (async (request) => ({ ok: true, value: { echoed: request.args } })),
      checkpoint: () => {},
    },
  );
}

/** The result of a script that finished, or the error of one that failed. */
export function resultOf(outcome: RunOutcome): Json {
  if (outcome.next.type !== 'done') throw new Error(`expected done, got ${JSON.stringify(outcome.next)}`);
  return outcome.next.result;
}

export function errorOf(outcome: RunOutcome): { type: string; message: string; where?: string } {
  if (outcome.next.type !== 'failed') throw new Error(`expected failed, got ${JSON.stringify(outcome.next)}`);
  return outcome.next.error;
}
