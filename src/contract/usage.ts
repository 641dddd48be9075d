/**
 * Token usage and cost: prices per million tokens and totals over journal entries. Pure:
 * the workflow keeps the run's totals, the runtime answers `spell.usage()` from the journal.
 */
import type { JournalEntry, UsageTotals } from '../journal/types.ts';

export type { UsageTotals };

export interface ModelPrice {
  /** US dollars per million input tokens. */
  inputPerMTok: number;
  /** US dollars per million output tokens. */
  outputPerMTok: number;
}

/** Runs can override or extend the table (`options.prices`); models absent from it cost 0. */
export const DEFAULT_PRICES: Readonly<Record<string, ModelPrice>> = {
  'openai:gpt-4o': { inputPerMTok: 2.5, outputPerMTok: 10 },
  'openai:gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6 },
  'anthropic:claude-sonnet-4-5': { inputPerMTok: 3, outputPerMTok: 15 },
  'anthropic:claude-haiku-4-5': { inputPerMTok: 1, outputPerMTok: 5 },
  'offline:echo': { inputPerMTok: 0, outputPerMTok: 0 },
  'local:smollm2': { inputPerMTok: 0, outputPerMTok: 0 },
};

export const emptyUsage = (): UsageTotals => ({ input_tokens: 0, output_tokens: 0, total_tokens: 0, cost: 0, calls: 0 });

export function costOf(model: string, usage: { inputTokens?: number; outputTokens?: number }, prices: Readonly<Record<string, ModelPrice>>): number {
  const price = prices[model];
  if (!price) return 0;
  return ((usage.inputTokens ?? 0) * price.inputPerMTok + (usage.outputTokens ?? 0) * price.outputPerMTok) / 1_000_000;
}

export function addTotals(totals: UsageTotals, more: UsageTotals): void {
  totals.input_tokens += more.input_tokens;
  totals.output_tokens += more.output_tokens;
  totals.total_tokens += more.total_tokens;
  totals.cost += more.cost;
  totals.calls += more.calls;
}

/**
 * Adds a journaled call to `totals`: a model call's tokens, the model calls inside a step, and
 * — with `aggregates` — the totals an entry carries for work journaled elsewhere (a `parallel`
 * call's branches, a child spell). The workflow sees every chain and child itself, so it
 * counts leaves only; a re-execution sees only its own chain and counts aggregates too.
 */
export function addUsage(
  totals: UsageTotals,
  entry: JournalEntry,
  prices: Readonly<Record<string, ModelPrice>>,
  aggregates = true,
): void {
  for (const child of entry.children ?? []) addUsage(totals, child, prices, aggregates);
  if (aggregates && entry.totals) addTotals(totals, entry.totals);
  if (!entry.usage) return;
  const input = entry.usage.inputTokens ?? 0;
  const output = entry.usage.outputTokens ?? 0;
  totals.input_tokens += input;
  totals.output_tokens += output;
  totals.total_tokens += entry.usage.totalTokens ?? input + output;
  // With a fallback list the entry's name lists every model; the result names the one that answered.
  const model = (entry.result as { model?: unknown } | undefined)?.model;
  totals.cost += costOf(typeof model === 'string' ? model : entry.name, entry.usage, prices);
  totals.calls += 1;
}
