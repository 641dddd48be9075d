/**
 * Host side of the effects a script asks for: run on the worker's main thread, by the
 * AI SDK (models) and the worker's registered host tools. Secrets stay here.
 */
import { APICallError, generateText, type ModelMessage } from 'ai';
import type { Json } from '../journal/types.ts';
import type { EffectRequest, EffectResult } from '../engines/protocol.ts';
import { ProviderError, SpellError, UnknownTool } from '../errors/index.ts';
import type { ModelResolver } from '../models/registry.ts';
import type { LlmGenerateArgs, LlmGenerateResult } from './llm.ts';

// Provider warnings (an unsupported setting, say) would interleave with the CLI's step lines.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

/** A tool registered on the worker, callable from spells with `tool.call(name, args)`. */
export type HostTool = (args: Json) => Json | Promise<Json>;

export interface EffectDeps {
  models: ModelResolver;
  tools: Record<string, HostTool>;
}

/**
 * Runs one effect. Resolves with the script-visible result or error; throws a retryable
 * {@link ProviderError} when a retry may pass (the activity decides whether to retry).
 */
export async function executeEffect(request: EffectRequest, deps: EffectDeps): Promise<EffectResult> {
  try {
    switch (request.kind) {
      case 'llm.generate':
        return await generate(request.args as LlmGenerateArgs & { model: string }, deps);
      case 'tool.call':
        return await callTool(request.args as { name: string; args?: Json }, deps);
    }
  } catch (error) {
    if (error instanceof ProviderError && !error.nonRetryable) throw error;
    if (error instanceof SpellError) return { ok: false, error: error.toData() };
    return { ok: false, error: { type: 'SpellHostError', message: (error as Error).message ?? String(error) } };
  }
}

async function generate(args: LlmGenerateArgs & { model: string }, deps: EffectDeps): Promise<EffectResult> {
  const model = deps.models.languageModel(args.model);
  const common = {
    model,
    ...(args.system !== undefined ? { system: args.system } : {}),
    ...(args.temperature !== undefined ? { temperature: args.temperature } : {}),
    ...(args.max_tokens !== undefined ? { maxOutputTokens: args.max_tokens } : {}),
    // Temporal owns retries: one attempt per activity attempt, journaled.
    maxRetries: 0,
  };
  try {
    const result = args.messages
      ? await generateText({ ...common, messages: args.messages as ModelMessage[] })
      : await generateText({ ...common, prompt: args.prompt! });
    const usage = {
      ...(result.usage.inputTokens !== undefined ? { inputTokens: result.usage.inputTokens } : {}),
      ...(result.usage.outputTokens !== undefined ? { outputTokens: result.usage.outputTokens } : {}),
      ...(result.usage.totalTokens !== undefined ? { totalTokens: result.usage.totalTokens } : {}),
    };
    const value: LlmGenerateResult = {
      text: result.text,
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
    if (error instanceof SpellError) throw error;
    const retryable = APICallError.isInstance(error) ? error.isRetryable : true;
    throw new ProviderError(`${args.model}: ${(error as Error).message}`, { retryable, cause: error });
  }
}

async function callTool(args: { name: string; args?: Json }, deps: EffectDeps): Promise<EffectResult> {
  const tool = deps.tools[args.name];
  if (!tool) {
    throw new UnknownTool(
      `tool "${args.name}" is not registered on this worker (registered: ${Object.keys(deps.tools).join(', ') || 'none'})`,
    );
  }
  try {
    return { ok: true, value: (await tool(args.args ?? null)) ?? null };
  } catch (error) {
    return { ok: false, error: { type: 'ToolError', message: `${args.name}: ${(error as Error).message ?? String(error)}` } };
  }
}
