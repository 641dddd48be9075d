/**
 * Run settings: what a caller may set (`SpellRunOptions`, in the workflow input, so it is in
 * history) and the same settings resolved once with their defaults (`RunSettings`). The
 * workflow and the worker resolve them with the same pure function, so activity inputs need
 * not carry them.
 */
import { DEFAULT_PRICES, type ModelPrice } from './usage.ts';

/** Limits enforced on every run of a script. */
export interface Limits {
  /** CPU time the script itself may use per activity (time spent waiting on effects excluded). */
  timeoutMs: number;
  /** Memory the engine may allocate for the script. */
  memoryLimitBytes: number;
  /** Largest result, argument, event or state value, as JSON. */
  outputLimitBytes: number;
  /** Most bytes of JSON the run's state may hold in all (the workflow keeps it in memory, continue-as-new carries it). */
  stateLimitBytes: number;
}

export interface Budget {
  /** Most tokens (input + output) the whole run may use. */
  maxTokens?: number;
  /** Most US dollars the whole run may spend. */
  maxCost?: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = {
  timeoutMs: 10_000,
  memoryLimitBytes: 64 * 1024 * 1024,
  outputLimitBytes: 32 * 1024 * 1024,
  stateLimitBytes: 64 * 1024 * 1024,
};

/** Model of calls that name none. */
export const DEFAULT_MODEL = 'offline:echo';

/** Options of one spell run; every field has a documented default. */
export interface SpellRunOptions {
  limits?: Partial<Limits>;
  /** Model for `llm.*` calls and agents that name none. Default `offline:echo`. */
  defaultModel?: string;
  /** Attempts per step for failures that may pass (network, 429/5xx, lost worker). Default 3. */
  maxAttempts?: number;
  /** Start-to-close timeout of one activity. Default 10 minutes. */
  stepTimeoutMs?: number;
  /** Heartbeat timeout: how soon a lost worker is noticed inside a step. Default 30 s. */
  heartbeatTimeoutMs?: number;
  /** Seed of math.random / Math.random / rand. Default: derived from the workflow id. */
  seed?: number;
  /** Token and cost budgets (`--max-tokens`, `--max-cost`): a model call past one stops the run. */
  budget?: Budget;
  /** Prices per model id, over DEFAULT_PRICES. */
  prices?: Record<string, ModelPrice>;
  /**
   * Also keep the usage totals in the search attributes `llmspellTokens` (Int) and
   * `llmspellCostUsd` (Double), so runs can be listed by cost. The namespace must have them
   * registered: the dev server llmspell starts does. Default false.
   */
  searchAttributes?: boolean;
  /**
   * Where a run that has not continued as new stops with SpellHistoryLimit: default 45,000
   * events / 45 MB, below Temporal's hard limits of 51,200 events / 50 MB.
   */
  historyLimit?: { events?: number; bytes?: number };
}

/** Settings of a run with every default applied. */
export interface RunSettings {
  limits: Limits;
  defaultModel: string;
  maxAttempts: number;
  stepTimeoutMs: number;
  heartbeatTimeoutMs: number;
  seed: number;
  budget?: Budget;
  prices: Record<string, ModelPrice>;
  searchAttributes: boolean;
  historyLimit: { events: number; bytes: number };
}

/**
 * The run's settings. `generation` counts continue-as-new: each run of a chain draws from its
 * own random sequence, so a queue worker does not repeat its numbers after continuing.
 */
export function resolveSettings(options: SpellRunOptions | undefined, workflowId: string, generation = 0): RunSettings {
  const o = options ?? {};
  const baseSeed = o.seed ?? seedOf(workflowId);
  return {
    limits: { ...DEFAULT_LIMITS, ...o.limits },
    defaultModel: o.defaultModel ?? DEFAULT_MODEL,
    maxAttempts: o.maxAttempts ?? 3,
    stepTimeoutMs: o.stepTimeoutMs ?? 10 * 60_000,
    heartbeatTimeoutMs: o.heartbeatTimeoutMs ?? 30_000,
    seed: generation === 0 ? baseSeed : seedOf(`${baseSeed}#${generation}`),
    ...(o.budget ? { budget: o.budget } : {}),
    prices: { ...DEFAULT_PRICES, ...o.prices },
    searchAttributes: o.searchAttributes ?? false,
    historyLimit: { events: 45_000, bytes: 45 * 1024 * 1024, ...o.historyLimit },
  };
}

/** 31-bit FNV-1a of a text: the default seed of the run's random sequence. */
export function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 1;
}
