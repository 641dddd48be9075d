/**
 * `a:run(...)`: the AI SDK's tool loop over host tools, MCP tools and tools the script
 * defined, on the worker's main thread.
 */
import { generateText, jsonSchema, stepCountIs, tool, wrapLanguageModel, type JSONSchema7, type ModelMessage, type ToolExecutionOptions, type ToolSet } from 'ai';
import type { LanguageModelV4 } from '@ai-sdk/provider';
import { createMCPClient } from '@ai-sdk/mcp';
import type { Json } from '../../journal/types.ts';
import { SpellError } from '../../errors/index.ts';
import type { EffectContext, EffectDeps, EffectResult, McpServerConfig } from '../kind.ts';
import { checkEffects, executeOf } from '../tool/host.ts';
import { providerFailure } from '../llm/host.ts';
import type { AgentRunArgs } from './index.ts';

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
export async function runAgent(args: AgentRunArgs & { model: string | string[] }, deps: EffectDeps, ctx: EffectContext): Promise<EffectResult> {
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
        throw new SpellError('UnknownTool', `agent "${args.name}": no MCP server "${name.slice(4)}" on this worker (configured: ${Object.keys(deps.mcpServers ?? {}).join(', ') || 'none'})`);
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
    if (!host) throw new SpellError('UnknownTool', `agent "${args.name}": tool "${name}" is not registered on this worker (registered: ${Object.keys(deps.tools).join(', ') || 'none'})`);
    // Refused before the agent starts: a tool error inside the loop would only be shown to the model.
    checkEffects(name, host, ctx, `agent "${args.name}": tool "${name}"`);
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
