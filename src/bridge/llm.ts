import { z } from 'zod';

const message = z.strictObject({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
});

/** `llm.generate{model?, system?, prompt | messages, temperature?, max_tokens?}` */
export const llmGenerateArgs = z
  .strictObject({
    model: z.string().min(1).optional(),
    system: z.string().optional(),
    prompt: z.string().optional(),
    messages: z.array(message).min(1).optional(),
    temperature: z.number().min(0).max(2).optional(),
    max_tokens: z.int().positive().optional(),
  })
  .refine((a) => (a.prompt === undefined) !== (a.messages === undefined), {
    message: 'give exactly one of prompt or messages',
  });
export type LlmGenerateArgs = z.output<typeof llmGenerateArgs>;

/** What `llm.generate` returns to the script. */
export interface LlmGenerateResult {
  text: string;
  finish_reason: string;
  usage: { input_tokens?: number; output_tokens?: number; total_tokens?: number };
  model: string;
}
