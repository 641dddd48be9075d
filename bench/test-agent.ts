/** The 10-step agent of the benchmarks: a test model that makes nine tool calls, then answers, and its host tool. */
import { MockLanguageModelV4 } from 'ai/test';
import type { LanguageModelV4CallOptions, LanguageModelV4GenerateResult } from '@ai-sdk/provider';

const usage = {
  inputTokens: { total: 1, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 1, text: undefined, reasoning: undefined },
};

/** Calls `inc` until the prompt holds nine tool results, then answers "done". */
export const loopingModel = new MockLanguageModelV4({
  doGenerate: async (options: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> => {
    const done = options.prompt.filter((m) => m.role === 'tool').length;
    if (done < 9) {
      return { content: [{ type: 'tool-call', toolCallId: `c${done}`, toolName: 'inc', input: JSON.stringify({ n: done }) }], finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage, warnings: [] };
    }
    return { content: [{ type: 'text', text: 'done' }], finishReason: { unified: 'stop', raw: 'stop' }, usage, warnings: [] };
  },
});

/** The host tool the agent calls. */
export const inc = { description: 'increments', schema: { type: 'object' as const, properties: { n: { type: 'number' as const } } }, execute: (args: unknown) => (args as { n: number }).n + 1 };

/** The agent as a Lua spell, on the model registered as `test:loop`. */
export const AGENT_SPELL = 'local a = agent.create{ name = "loop", model = "test:loop", instructions = "go", tools = { "inc" }, max_steps = 10 }\nreturn { steps = #a:run("go").steps }';
