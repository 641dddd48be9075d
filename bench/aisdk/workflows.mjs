// Workflows on Temporal's AI SDK integration, the counterpart of a spell's llm.generate calls
// and agent (bench/aisdk.ts). Bundled into Temporal's workflow sandbox.
import { generateText, stepCountIs, tool, jsonSchema } from 'ai';
import { temporalProvider } from '@temporalio/ai-sdk/workflow';

const model = () => temporalProvider.languageModel('fake');

/** `n` model calls, one after another, as a spell's `llm.generate` calls are. */
export async function calls(n) {
  let last = '';
  for (let i = 1; i <= n; i++) last = (await generateText({ model: model(), prompt: `step ${i}` })).text;
  return last;
}

/** An agent: the AI SDK's tool loop, its tool executed in the workflow. */
export async function agent(steps) {
  const inc = tool({ description: 'increments', inputSchema: jsonSchema({ type: 'object', properties: { n: { type: 'number' } } }), execute: async ({ n }) => n + 1 });
  const result = await generateText({ model: model(), prompt: 'go', tools: { inc }, stopWhen: stepCountIs(steps) });
  return result.steps.length;
}
