/** `llm.generate`, `llm.object`, `llm.stream`: one model call each, journaled as an effect. */
import { z } from 'zod';
import type { ApiFunction, BridgeKind } from '../kind.ts';

const message = z.strictObject({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
});

/** A model id, or ids to try in order when a provider fails (the result names the one that answered). */
export const modelIds = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

const callSettings = {
  model: modelIds.optional(),
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
export const llmObjectArgs = z.strictObject({ ...callSettings, schema: z.record(z.string(), z.unknown()) }).refine(...onePrompt);
export type LlmObjectArgs = z.output<typeof llmObjectArgs>;
export type LlmGenerateArgs = z.output<typeof llmGenerateArgs>;

/** The journal names a model call by its model, or its fallback list. */
const modelName = (args: { model?: string | string[] }) => (Array.isArray(args.model) ? args.model.join('|') : (args.model ?? ''));
const host = () => import('./host.ts');
/** The offline model answers at once: its calls may run in a local activity. */
const offline = (args: { model?: string | string[] }) => (Array.isArray(args.model) ? args.model : [args.model ?? '']).every((id) => id.startsWith('offline:'));

export const kinds: BridgeKind[] = [
  { kind: 'llm.generate', class: 'effect', args: llmGenerateArgs, name: modelName, model: true, quick: offline, host: async () => (await host()).generate },
  { kind: 'llm.object', class: 'effect', args: llmObjectArgs, name: modelName, model: true, quick: offline, host: async () => (await host()).generateObject },
  { kind: 'llm.stream', class: 'effect', args: llmGenerateArgs, name: modelName, model: true, quick: offline, host: async () => (await host()).stream },
];

const json = z.custom<unknown>().describe('Json');
export const usage = z.object({ input_tokens: z.number().optional(), output_tokens: z.number().optional(), total_tokens: z.number().optional() });
const llmGenerateResult = z.object({ text: z.string(), finish_reason: z.string(), usage, model: z.string() });
const llmObjectResult = z.object({ object: json, finish_reason: z.string(), usage, model: z.string() });
const llmStreamResult = z.object({ text: z.string(), chunks: z.array(z.string()), finish_reason: z.string(), usage, model: z.string() });
/** `llm.stream` takes on_chunk too; the function stays in the sandbox (typed by hand). */
const llmStreamParams = z.object({ ...llmGenerateArgs.shape, on_chunk: z.custom<unknown>().describe('ChunkFn').optional() });

export const docs: ApiFunction[] = [
  { module: 'llm', name: 'generate', doc: 'Generates text with a model (an effect: journaled, not repeated on replay). Give exactly one of prompt or messages.', params: [{ name: 'args', schema: llmGenerateArgs }], result: llmGenerateResult, async: true },
  { module: 'llm', name: 'object', doc: 'Generates an object matching a JSON Schema (validated; a mismatch raises LlmObjectMismatch naming the path).', params: [{ name: 'args', schema: llmObjectArgs }], result: llmObjectResult, async: true },
  { module: 'llm', name: 'stream', doc: 'Streams text; the chunks are journaled with the text, and on_chunk (a function, also accepted in args) is called with each, live and on replay alike.', params: [{ name: 'args', schema: llmStreamParams }], result: llmStreamResult, async: true },
];
