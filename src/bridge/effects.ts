/**
 * Host side of the effects a script asks for: run on the worker's main thread, by the
 * AI SDK (models) and the worker's registered host tools. Secrets stay here.
 */
import { APICallError, NoObjectGeneratedError, Output, generateText, jsonSchema, stepCountIs, streamText, tool, wrapLanguageModel, type JSONSchema7, type ModelMessage, type ToolExecutionOptions, type ToolSet } from 'ai';
import type { LanguageModelV4 } from '@ai-sdk/provider';
import { createMCPClient } from '@ai-sdk/mcp';
import { z } from 'zod';
import type { Json } from '../journal/types.ts';
import type { EffectRequest, EffectResult } from '../engines/protocol.ts';
import { ProviderError, SpellBridgeArgument, SpellError, UnknownTool } from '../errors/index.ts';
import type { ModelResolver } from '../models/registry.ts';
import type { LlmGenerateArgs, LlmGenerateResult, LlmObjectArgs } from './llm.ts';
import type { AgentRunArgs } from './agent.ts';

// Provider warnings (an unsupported setting, say) would interleave with the CLI's step lines.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

/**
 * A tool registered on the worker, callable from spells with `tool.call(name, args)` and by
 * agents. A description and a JSON Schema tell models how to call it.
 */
export type HostTool =
  | ((args: Json) => Json | Promise<Json>)
  | { description?: string; schema?: Record<string, unknown>; execute: (args: Json) => Json | Promise<Json> };

const executeOf = (t: HostTool) => (typeof t === 'function' ? t : t.execute);

/** How one long effect saves and restores its own progress (an agent's completed steps). */
export interface EffectContext {
  /** Progress saved by an earlier attempt of this same call. */
  resume?: Json;
  /** Saves progress; it survives a lost worker (activity heartbeat). */
  progress?(data: Json): void;
  /** Runs a tool the script defined (tool.define), in its engine. */
  scriptTool?(name: string, args: Json): Promise<EffectResult>;
  /** Reports a streamed chunk as it arrives, for live views. */
  live?(chunk: string): void;
}

/** An MCP server the worker can reach: a command it starts (stdio) or a URL (streamable HTTP). */
export type McpServerConfig =
  | { command: string; args?: string[]; env?: Record<string, string> }
  | { url: string; headers?: Record<string, string> };

export interface EffectDeps {
  models: ModelResolver;
  tools: Record<string, HostTool>;
  /** MCP servers by name; agents use their tools with `tools = { "mcp:<name>" }`. */
  mcpServers?: Record<string, McpServerConfig>;
}

/**
 * Runs one effect. Resolves with the script-visible result or error; throws a retryable
 * {@link ProviderError} when a retry may pass (the activity decides whether to retry).
 */
export async function executeEffect(request: EffectRequest, deps: EffectDeps, ctx: EffectContext = {}): Promise<EffectResult> {
  try {
    switch (request.kind) {
      case 'llm.generate':
        return await generate(request.args as CallArgs, deps);
      case 'llm.stream':
        return await stream(request.args as CallArgs, deps, ctx);
      case 'llm.object':
        return await generateObjectFor(request.args as LlmObjectArgs & { model: string | string[] }, deps);
      case 'tool.call':
        return await callTool(request.args as { name: string; args?: Json }, deps);
      case 'agent.run':
        return await runAgent(request.args as AgentRunArgs & { model: string | string[] }, deps, ctx);
    }
  } catch (error) {
    if (error instanceof ProviderError && !error.nonRetryable) throw error;
    if (error instanceof SpellError) return { ok: false, error: error.toData() };
    return { ok: false, error: { type: 'SpellHostError', message: (error as Error).message ?? String(error) } };
  }
}

type CallArgs = LlmGenerateArgs & { model: string | string[] };

/** One model call through the AI SDK; Temporal owns retries (one attempt per activity attempt). */
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
      if (!(error instanceof ProviderError) || i === ids.length - 1) throw error;
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

function generate(args: CallArgs, deps: EffectDeps): Promise<EffectResult> {
  return callModel(args, deps, {}, (result): Omit<LlmGenerateResult, 'usage' | 'model' | 'finish_reason'> => ({ text: result.text }));
}

/** What a failed model call becomes: our own errors as they are, others a ProviderError (retryable unless the API says not). */
function providerFailure(label: string, error: unknown): Error {
  if (error instanceof SpellError) return error;
  const retryable = APICallError.isInstance(error) ? error.isRetryable : true;
  return new ProviderError(`${label}: ${(error as Error).message}`, { retryable, cause: error });
}

/** `llm.stream`: streamed through the AI SDK; the chunks are recorded with the final text. */
function stream(args: CallArgs, deps: EffectDeps, ctx: EffectContext): Promise<EffectResult> {
  return callModel(args, deps, { stream: ctx.live ? { onChunk: ctx.live } : {} }, (result) => ({ text: result.text, chunks: (result as { chunks?: string[] }).chunks ?? [] }));
}

/** `llm.object`: the JSON Schema becomes a zod schema; the AI SDK asks for JSON and validates it. */
function generateObjectFor(args: LlmObjectArgs & { model: string | string[] }, deps: EffectDeps): Promise<EffectResult> {
  let schema: z.ZodType;
  try {
    schema = z.fromJSONSchema(args.schema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (error) {
    throw new SpellBridgeArgument(`llm.object: field "schema": not a usable JSON Schema: ${(error as Error).message}`);
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

async function callTool(args: { name: string; args?: Json }, deps: EffectDeps): Promise<EffectResult> {
  const tool = deps.tools[args.name];
  if (!tool) {
    throw new UnknownTool(
      `tool "${args.name}" is not registered on this worker (registered: ${Object.keys(deps.tools).join(', ') || 'none'})`,
    );
  }
  try {
    return { ok: true, value: (await executeOf(tool)(args.args ?? null)) ?? null };
  } catch (error) {
    return { ok: false, error: { type: 'ToolError', message: `${args.name}: ${(error as Error).message ?? String(error)}` } };
  }
}

interface AgentStep {
  text: string;
  tool_calls: Array<{ name: string; args: Json }>;
  tool_results: Array<{ name: string; result: Json }>;
  finish_reason: string;
  usage: { input_tokens?: number; output_tokens?: number };
}

/** Every model answer of an agent run so far, in order, and every completed tool result by call index. */
interface AgentProgress {
  model: Json[];
  tools: Record<string, Json>;
}

/**
 * `a:run(...)`: the AI SDK's tool loop with the worker's host tools. Every model answer and
 * every tool result is saved as it completes (a language-model middleware and a tool
 * wrapper); an attempt after a lost worker runs the same loop again, answered from what was
 * saved, so no completed model call or tool call runs twice.
 */
async function runAgent(args: AgentRunArgs & { model: string | string[] }, deps: EffectDeps, ctx: EffectContext): Promise<EffectResult> {
  const modelId = Array.isArray(args.model) ? args.model[0]! : args.model;
  const saved = (ctx.resume as AgentProgress | undefined) ?? { model: [], tools: {} };
  const progress: AgentProgress = { model: [], tools: {} };
  let toolCalls = 0;
  const save = () => ctx.progress?.(progress as unknown as Json);
  const model = wrapLanguageModel({
    model: deps.models.languageModel(modelId) as LanguageModelV4,
    middleware: {
      specificationVersion: 'v4',
      wrapGenerate: async ({ doGenerate }) => {
        const recorded = saved.model[progress.model.length];
        const result = recorded ? (recorded as unknown as Awaited<ReturnType<typeof doGenerate>>) : await doGenerate();
        const { content, finishReason, usage, warnings } = result;
        progress.model.push({ content, finishReason, usage, warnings } as unknown as Json);
        if (!recorded) save();
        return result;
      },
    },
  });
  // Every tool result is numbered in call order (calls of one step may run concurrently) and
  // saved once complete; a resumed attempt answers saved calls without running them.
  type Execute = (input: unknown, options: ToolExecutionOptions<never>) => unknown;
  const journaled =
    (execute: Execute) =>
    async (input: unknown, options: ToolExecutionOptions<never>): Promise<unknown> => {
      const index = String(toolCalls++);
      if (index in saved.tools) return (progress.tools[index] = saved.tools[index]!);
      const output = ((await execute(input, options)) ?? null) as Json;
      progress.tools[index] = output;
      save();
      return output;
    };
  const tools: ToolSet = {};
  const clients: Array<{ close(): Promise<void> }> = [];
  for (const name of args.tools ?? []) {
    if (name.startsWith('mcp:')) {
      const server = deps.mcpServers?.[name.slice(4)];
      if (!server) {
        throw new UnknownTool(`agent "${args.name}": no MCP server "${name.slice(4)}" on this worker (configured: ${Object.keys(deps.mcpServers ?? {}).join(', ') || 'none'})`);
      }
      const client = await connectMcp(server);
      clients.push(client);
      for (const [toolName, mcpTool] of Object.entries(await client.tools())) {
        tools[toolName] = { ...mcpTool, execute: journaled(mcpTool.execute!.bind(mcpTool) as Execute) as ToolSet[string]['execute'] };
      }
      continue;
    }
    const defined = args.script_tools?.find((t) => t.name === name);
    if (defined && ctx.scriptTool) {
      const run = ctx.scriptTool;
      tools[name] = tool({ description: defined.description || `tool ${name}`, inputSchema: jsonSchema(defined.schema as JSONSchema7) });
      tools[name].execute = journaled(async (input) => {
        const result = await run(name, input as Json);
        if (!result.ok) throw new Error(`${result.error.type}: ${result.error.message}`);
        return result.value;
      }) as ToolSet[string]['execute'];
      continue;
    }
    const host = deps.tools[name];
    if (!host) throw new UnknownTool(`agent "${args.name}": tool "${name}" is not registered on this worker (registered: ${Object.keys(deps.tools).join(', ') || 'none'})`);
    tools[name] = tool({
      description: typeof host === 'function' ? `host tool ${name}` : (host.description ?? `host tool ${name}`),
      inputSchema: jsonSchema((typeof host === 'function' ? undefined : host.schema) ?? { type: 'object' }),
    });
    tools[name].execute = journaled(async (input) => executeOf(host)(input as Json)) as ToolSet[string]['execute'];
  }
  try {
    const result = await generateText({
      model,
      system: args.instructions,
      ...(args.messages ? { messages: args.messages as ModelMessage[] } : { prompt: args.prompt! }),
      tools,
      stopWhen: stepCountIs(args.max_steps ?? 5),
      ...(args.max_tokens !== undefined ? { maxOutputTokens: args.max_tokens } : {}),
      maxRetries: 0,
    });
    const steps: AgentStep[] = result.steps.map((step) => ({
      text: step.text,
      tool_calls: step.toolCalls.map((c) => ({ name: c.toolName, args: c.input as Json })),
      tool_results: step.toolResults.map((r) => ({ name: r.toolName, result: (r.output ?? null) as Json })),
      finish_reason: step.finishReason,
      usage: {
        ...(step.usage.inputTokens !== undefined ? { input_tokens: step.usage.inputTokens } : {}),
        ...(step.usage.outputTokens !== undefined ? { output_tokens: step.usage.outputTokens } : {}),
      },
    }));
    const inputTokens = result.totalUsage.inputTokens ?? 0;
    const outputTokens = result.totalUsage.outputTokens ?? 0;
    return {
      ok: true,
      value: {
        text: result.text,
        steps,
        finish_reason: result.finishReason,
        usage: { input_tokens: inputTokens, output_tokens: outputTokens, total_tokens: inputTokens + outputTokens },
        model: modelId,
      } as unknown as Json,
      usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
    };
  } catch (error) {
    throw providerFailure(`agent "${args.name}" (${modelId})`, error);
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}

/** An MCP client through the AI SDK: stdio for a command, streamable HTTP for a URL. */
async function connectMcp(server: McpServerConfig) {
  if ('url' in server) {
    return createMCPClient({ transport: { type: 'http', url: server.url, ...(server.headers ? { headers: server.headers } : {}) } });
  }
  const { StdioMCPTransport } = await import('@ai-sdk/mcp/mcp-stdio');
  return createMCPClient({ transport: new StdioMCPTransport({ command: server.command, ...(server.args ? { args: server.args } : {}), ...(server.env ? { env: server.env } : {}) }) });
}
