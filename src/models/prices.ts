/**
 * Prices per million tokens, for turning journaled usage into cost. Runs can override or
 * extend the table (`options.prices`); models absent from it cost 0.
 */
export interface ModelPrice {
  /** US dollars per million input tokens. */
  inputPerMTok: number;
  /** US dollars per million output tokens. */
  outputPerMTok: number;
}

export const DEFAULT_PRICES: Record<string, ModelPrice> = {
  'openai:gpt-4o': { inputPerMTok: 2.5, outputPerMTok: 10 },
  'openai:gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6 },
  'anthropic:claude-sonnet-4-5': { inputPerMTok: 3, outputPerMTok: 15 },
  'anthropic:claude-haiku-4-5': { inputPerMTok: 1, outputPerMTok: 5 },
  'offline:echo': { inputPerMTok: 0, outputPerMTok: 0 },
  'local:smollm2': { inputPerMTok: 0, outputPerMTok: 0 },
};

export function costOf(model: string, usage: { inputTokens?: number; outputTokens?: number }, prices: Record<string, ModelPrice>): number {
  const price = prices[model];
  if (!price) return 0;
  return ((usage.inputTokens ?? 0) * price.inputPerMTok + (usage.outputTokens ?? 0) * price.outputPerMTok) / 1_000_000;
}
