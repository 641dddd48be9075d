/** Pieces of AI SDK language-model results for test models. */
import type { LanguageModelV4GenerateResult } from '@ai-sdk/provider';

/** Token usage in the provider interface's shape. */
export function usageOf(input: number, output: number): LanguageModelV4GenerateResult['usage'] {
  return {
    inputTokens: { total: input, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: output, text: undefined, reasoning: undefined },
  };
}
