/**
 * The spell API as data: every bridge function with its zod schemas. Editor support
 * (types/llmspell.d.ts, types/llmspell.lua) is generated from here, so types cannot drift
 * from what the bridge validates.
 */
import { z } from 'zod';
import { llmGenerateArgs, llmObjectArgs } from './llm.ts';
import { toolCallArgs } from './tool.ts';
import { stepArgs } from './step.ts';
import { sleepArgs } from './sleep.ts';
import { signalWaitArgs } from './signal.ts';
import { eventEmitArgs } from './event.ts';
import { logArgs } from './log.ts';

const json = z.custom<unknown>().describe('Json');

const usage = z.object({ input_tokens: z.number().optional(), output_tokens: z.number().optional(), total_tokens: z.number().optional() });

export const llmObjectResult = z.object({ object: json, finish_reason: z.string(), usage, model: z.string() });

/** `llm.stream` takes on_chunk too; the function stays in the sandbox (typed by hand). */
const llmStreamParams = z.object({
  ...llmGenerateArgs.shape,
  on_chunk: z.custom<unknown>().describe('ChunkFn').optional(),
});

export const llmStreamResult = z.object({ text: z.string(), chunks: z.array(z.string()), finish_reason: z.string(), usage, model: z.string() });

export const llmGenerateResult = z.object({
  text: z.string(),
  finish_reason: z.string(),
  usage,
  model: z.string(),
});

/** One parameter: its name and schema (a field of the call's argument object, or the whole object). */
export interface ApiParam {
  name: string;
  schema: z.ZodType;
  optional?: boolean;
  /** A function parameter (step's fn): typed by hand, never crosses the bridge. */
  fn?: boolean;
}

export interface ApiFunction {
  module: string | null;
  name: string;
  doc: string;
  params: ApiParam[];
  result: z.ZodType | null;
  /** Effects and commands: `await` in JavaScript. */
  async: boolean;
}

const field = <T extends z.ZodObject>(schema: T, key: keyof T['shape'] & string) => schema.shape[key] as z.ZodType;
const stepOptions = field(stepArgs, 'options');

export const API: ApiFunction[] = [
  { module: 'llm', name: 'generate', doc: 'Generates text with a model (an effect: journaled, not repeated on replay). Give exactly one of prompt or messages.', params: [{ name: 'args', schema: llmGenerateArgs }], result: llmGenerateResult, async: true },
  { module: 'llm', name: 'object', doc: 'Generates an object matching a JSON Schema (validated; a mismatch raises LlmObjectMismatch naming the path).', params: [{ name: 'args', schema: llmObjectArgs }], result: llmObjectResult, async: true },
  { module: 'llm', name: 'stream', doc: 'Streams text; the chunks are journaled with the text, and on_chunk (a function, also accepted in args) is called with each, live and on replay alike.', params: [{ name: 'args', schema: llmStreamParams }], result: llmStreamResult, async: true },
  { module: 'tool', name: 'call', doc: 'Calls a host tool registered on the worker (an effect).', params: [{ name: 'name', schema: field(toolCallArgs, 'name') }, { name: 'args', schema: json, optional: true }], result: json, async: true },
  { module: null, name: 'step', doc: 'Runs fn as one named durable step (one Temporal activity); its result is journaled.', params: [{ name: 'name', schema: field(stepArgs, 'name') }, { name: 'fn', schema: json, fn: true }, { name: 'options', schema: stepOptions, optional: true }], result: json, async: true },
  { module: null, name: 'sleep', doc: 'A durable timer carried out by the workflow.', params: [{ name: 'seconds', schema: field(sleepArgs, 'seconds') }], result: null, async: true },
  { module: 'signal', name: 'wait', doc: 'Waits for a signal sent with `llmspell signal <run> <name> [JSON]`; nil/undefined on timeout.', params: [{ name: 'name', schema: field(signalWaitArgs, 'name') }, { name: 'options', schema: signalWaitArgs.pick({ timeout: true }), optional: true }], result: json, async: true },
  { module: 'state', name: 'get', doc: 'Reads run-scoped state (queryable from outside the run).', params: [{ name: 'key', schema: z.string() }], result: json, async: false },
  { module: 'state', name: 'set', doc: 'Writes run-scoped state; nil/undefined deletes the key.', params: [{ name: 'key', schema: z.string() }, { name: 'value', schema: json, optional: true }], result: null, async: false },
  { module: 'state', name: 'delete', doc: 'Deletes a state key.', params: [{ name: 'key', schema: z.string() }], result: null, async: false },
  { module: 'state', name: 'keys', doc: 'State keys, sorted.', params: [], result: z.array(z.string()), async: false },
  { module: 'event', name: 'emit', doc: 'Emits an event, visible live in `llmspell run` and through the run\'s events query.', params: [{ name: 'name', schema: field(eventEmitArgs, 'name') }, { name: 'data', schema: json, optional: true }], result: null, async: false },
  ...(['info', 'warn', 'error'] as const).map((level): ApiFunction => ({ module: 'log', name: level, doc: `Logs at ${level} level on the worker.`, params: [{ name: 'message', schema: field(logArgs, 'message') }, { name: 'fields', schema: json, optional: true }], result: null, async: false })),
  { module: 'json', name: 'encode', doc: 'Encodes a value as JSON text with the bridge\'s conversion rules.', params: [{ name: 'value', schema: json }], result: z.string(), async: false },
  { module: 'json', name: 'decode', doc: 'Decodes JSON text.', params: [{ name: 'text', schema: z.string() }], result: json, async: false },
];
