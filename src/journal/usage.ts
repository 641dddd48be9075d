/** Token and cost totals over journal entries (pure: used by the workflow and the runtime). */
import type { JournalEntry } from './types.ts';
import type { ModelPrice } from '../models/prices.ts';
import { costOf } from '../models/prices.ts';
import type { UsageTotals } from '../engines/protocol.ts';

export const emptyUsage = (): UsageTotals => ({ input_tokens: 0, output_tokens: 0, total_tokens: 0, cost: 0, calls: 0 });

/** Adds a journaled call (and, for a step, the model calls inside it) to `totals`. */
export function addUsage(totals: UsageTotals, entry: JournalEntry, prices: Record<string, ModelPrice>): void {
  for (const child of entry.children ?? []) addUsage(totals, child, prices);
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
