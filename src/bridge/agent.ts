import { z } from 'zod';

const message = z.strictObject({ role: z.enum(['system', 'user', 'assistant']), content: z.string() });

/** `agent.create{name, model?, instructions, tools?, max_steps?}`: validated when the agent runs. */
export const agentConfig = {
  name: z.string().min(1),
  model: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  instructions: z.string(),
  /** Names of host tools registered on the worker. */
  tools: z.array(z.string().min(1)).optional(),
  max_steps: z.int().min(1).max(100).optional(),
  /** Most tokens each model call may produce. */
  max_tokens: z.int().positive().optional(),
};

const scriptTool = z.strictObject({ name: z.string().min(1), description: z.string(), schema: z.record(z.string(), z.unknown()) });

/** `a:run(prompt | messages)`: the agent's config plus the input, one journaled effect. */
export const agentRunArgs = z
  .strictObject({
    ...agentConfig,
    prompt: z.string().optional(),
    messages: z.array(message).min(1).optional(),
    /** Tools defined in the script (tool.define), described for the model; run by the engine. */
    script_tools: z.array(scriptTool).optional(),
  })
  .refine((a) => (a.prompt === undefined) !== (a.messages === undefined), { message: 'give a prompt or messages' });
export type AgentRunArgs = z.output<typeof agentRunArgs>;
