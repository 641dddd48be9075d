/** Model calls through the AI SDK, on the worker's main thread; Temporal owns retries (one attempt per activity attempt). */
import { APICallError, NoObjectGeneratedError, Output, generateText, streamText, type ModelMessage } from 'ai';
import { z } from 'zod';
import type { Json } from '../../journal/types.ts';
import { SpellError } from '../../errors/index.ts';
import type { EffectContext, EffectDeps, EffectResult } from '../kind.ts';
import type { LlmGenerateArgs, LlmObjectArgs } from './index.ts';

// Provider warnings (an unsupported setting, say) would interleave with the CLI's step lines.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

type CallArgs = LlmGenerateArgs & { model: string | string[] };

/**
 * One model call through the AI SDK; Temporal owns retries (one attempt per activity attempt).
 * With a list of models, a provider failure moves on to the next; the last one's failure counts.
 */
async function callModel<T>(
  args: CallArgs,
  deps: EffectDeps,
  extra: ModelCallExtra,
  shape: (result: Generated) => T,
): Promise<EffectResult> {
  const ids = Array.isArray(args.model) ? args.model : [args.model];
  for (const [i, id] of ids.entries()) {
    try {
      return await callOneModel({ ...args, model: id }, deps, extra, shape);
    } catch (error) {
      if (!(error instanceof SpellError && error.type === 'ProviderError') || i === ids.length - 1) throw error;
    }
  }
  throw new Error('unreachable: no model to call');
}

async function callOneModel<T>(
  args: CallArgs & { model: string },
  deps: EffectDeps,
  extra: ModelCallExtra,
  shape: (result: Generated) => T,
): Promise<EffectResult> {
  const model = deps.models.languageModel(args.model);
  const { stream: streaming, ...settings } = extra;
  const common = {
    model,
    ...(args.system !== undefined ? { system: args.system } : {}),
    ...(args.temperature !== undefined ? { temperature: args.temperature } : {}),
    ...(args.max_tokens !== undefined ? { maxOutputTokens: args.max_tokens } : {}),
    ...(args.stop !== undefined ? { stopSequences: args.stop } : {}),
    ...(args.seed !== undefined ? { seed: args.seed } : {}),
    maxRetries: 0,
    ...settings,
  };
  const prompt = args.messages ? { messages: args.messages as ModelMessage[] } : { prompt: args.prompt! };
  try {
    const result = streaming ? await streamed({ ...common, ...prompt }, streaming.onChunk) : await generateText({ ...common, ...prompt });
    const usage = {
      ...(result.usage.inputTokens !== undefined ? { inputTokens: result.usage.inputTokens } : {}),
      ...(result.usage.outputTokens !== undefined ? { outputTokens: result.usage.outputTokens } : {}),
      ...(result.usage.totalTokens !== undefined ? { totalTokens: result.usage.totalTokens } : {}),
    };
    const value = {
      ...shape(result),
      finish_reason: result.finishReason,
      usage: {
        ...(usage.inputTokens !== undefined ? { input_tokens: usage.inputTokens } : {}),
        ...(usage.outputTokens !== undefined ? { output_tokens: usage.outputTokens } : {}),
        ...(usage.totalTokens !== undefined ? { total_tokens: usage.totalTokens } : {}),
      },
      model: args.model,
    };
    return { ok: true, value: value as unknown as Json, usage };
  } catch (error) {
    if (NoObjectGeneratedError.isInstance(error)) return { ok: false, error: objectMismatch(args.model, error) };
    throw providerFailure(args.model, error);
  }
}

type Generated = Awaited<ReturnType<typeof generateText>>;

/** Extra generateText settings for one kind of call; `stream` streams instead, reporting each chunk. */
type ModelCallExtra = Record<string, unknown> & { stream?: { onChunk?: (chunk: string) => void } };

/** streamText, read to the end: the chunks in order, and the same fields generateText gives. */
async function streamed(options: Parameters<typeof streamText>[0], onChunk?: (chunk: string) => void): Promise<Generated & { chunks: string[] }> {
  const result = streamText(options);
  const chunks: string[] = [];
  for await (const part of result.fullStream) {
    if (part.type === 'text-delta') {
      chunks.push(part.text);
      onChunk?.(part.text);
    }
    else if (part.type === 'error') throw part.error;
  }
  return { text: await result.text, usage: await result.usage, finishReason: await result.finishReason, chunks } as Generated & { chunks: string[] };
}

export function generate(args: CallArgs, deps: EffectDeps): Promise<EffectResult> {
  return callModel(args, deps, {}, (result) => ({ text: result.text }));
}

/** What a failed model call becomes: our own errors as they are, others a ProviderError (retryable unless the API says not). */
export function providerFailure(label: string, error: unknown): Error {
  if (error instanceof SpellError) return error;
  const retryable = APICallError.isInstance(error) ? error.isRetryable : true;
  return new SpellError('ProviderError', `${label}: ${(error as Error).message}`, { retryable, cause: error });
}

/** `llm.stream`: streamed through the AI SDK; the chunks are recorded with the final text. */
export function stream(args: CallArgs, deps: EffectDeps, ctx: EffectContext): Promise<EffectResult> {
  return callModel(args, deps, { stream: ctx.live ? { onChunk: ctx.live } : {} }, (result) => ({ text: result.text, chunks: (result as { chunks?: string[] }).chunks ?? [] }));
}

/** `llm.object`: the JSON Schema becomes a zod schema; the AI SDK asks for JSON and validates it. */
export function generateObject(args: LlmObjectArgs & { model: string | string[] }, deps: EffectDeps): Promise<EffectResult> {
  let schema: z.ZodType;
  try {
    schema = z.fromJSONSchema(args.schema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (error) {
    throw new SpellError('SpellBridgeArgument', `llm.object: field "schema": not a usable JSON Schema: ${(error as Error).message}`);
  }
  const { schema: _, ...call } = args;
  return callModel(call, deps, { output: Output.object({ schema }) }, (result) => ({ object: result.output as Json }));
}

/** The model answered, but not with an object matching the schema: name the first bad path. */
function objectMismatch(model: string, error: NoObjectGeneratedError): { type: string; message: string } {
  const cause = error.cause as { cause?: unknown } | undefined;
  const issues = [cause, cause?.cause].find((c): c is z.ZodError => c instanceof z.ZodError)?.issues;
  const issue = issues?.[0];
  const where = issue ? `at "${issue.path.length ? issue.path.join('.') : '(root)'}": ${issue.message}` : error.message;
  return { type: 'LlmObjectMismatch', message: `${model}: the answer does not match the schema ${where}` };
}

