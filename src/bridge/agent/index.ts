/** Agents: `agent.create` checks the config (kept in the script); each `a:run` is one journaled effect. */
import { z } from 'zod';
import type { BridgeKind } from '../kind.ts';
import { modelIds } from '../llm/index.ts';

const message = z.strictObject({ role: z.enum(['system', 'user', 'assistant']), content: z.string() });

/** `agent.create{name, model?, instructions, tools?, max_steps?, max_tokens?}` */
const agentConfig = {
  name: z.string().min(1),
  model: modelIds.optional(),
  instructions: z.string(),
  /** Names of host tools registered on the worker, tools defined in the script, or `mcp:<server>`. */
  tools: z.array(z.string().min(1)).optional(),
  max_steps: z.int().min(1).max(100).optional(),
  /** Most tokens each model call may produce. */
  max_tokens: z.int().positive().optional(),
};
export const agentCreateArgs = z.strictObject(agentConfig);

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

export const kinds: BridgeKind[] = [
  { kind: 'agent.create', class: 'pure', args: agentCreateArgs, readOnly: true, pure: (args) => args },
  { kind: 'agent.run', class: 'effect', args: agentRunArgs, model: true, host: async () => (await import('./host.ts')).runAgent },
];
