import { z } from 'zod';

const message = z.strictObject({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
});

const callSettings = {
  /** A model id, or ids to try in order when a provider fails (the result names the one that answered). */
  model: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  system: z.string().optional(),
  prompt: z.string().optional(),
  messages: z.array(message).min(1).optional(),
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: z.int().positive().optional(),
  /** Stop generating at any of these. */
  stop: z.array(z.string().min(1)).optional(),
  /** Sampling seed, for providers that support one. */
  seed: z.int().optional(),
};
const onePrompt = [
  (a: { prompt?: string; messages?: unknown[] }) => (a.prompt === undefined) !== (a.messages === undefined),
  { message: 'give exactly one of prompt or messages' },
] as const;

/** `llm.generate{model?, system?, prompt | messages, temperature?, max_tokens?}` */
export const llmGenerateArgs = z.strictObject(callSettings).refine(...onePrompt);

/** `llm.object{…, schema}`: the same settings plus a JSON Schema the answer must match. */
export const llmObjectArgs = z
  .strictObject({ ...callSettings, schema: z.record(z.string(), z.unknown()) })
  .refine(...onePrompt);
export type LlmObjectArgs = z.output<typeof llmObjectArgs>;
export type LlmGenerateArgs = z.output<typeof llmGenerateArgs>;

/** What `llm.generate` returns to the script. */
export interface LlmGenerateResult {
  text: string;
  finish_reason: string;
  usage: { input_tokens?: number; output_tokens?: number; total_tokens?: number };
  model: string;
}
