/**
 * `local:<model>`: a real small model that runs with no network — GGUF weights run by
 * llama.cpp (node-llama-cpp's prebuilt binaries), wired into the AI SDK as a language
 * model so spells call it like any other provider.
 *
 * Structured output and tool calls are grammar-constrained (llama.cpp GBNF): a JSON answer
 * always parses and has the schema's shape, a tool call always names an offered tool with
 * arguments of that tool's shape (see local-grammar.ts for what a grammar can express).
 *
 * Tool calls. SmolLM2-135M was not trained to call tools (its chat template has none). On
 * five prompts (three that need the tool), node-llama-cpp's own function calling (LlamaChat
 * `functions`: the model must write the chat wrapper's `||call: ` prefix by itself, then a
 * grammar takes over) got no call, and neither did a grammar offering `<tool_call>` or text;
 * made to pick a tool name or "none", the model picks the same for every request, whichever
 * the prompt leans to. (That function calling also cannot be combined with a grammar, so it
 * could not shape a JSON answer after the tools.) So whether to call is this code's choice and
 * what to call the model's: with `toolChoice` auto a turn's first step is a call (the model
 * picks the tool and writes its arguments under the grammar); once the turn holds results the
 * model chooses between another call and an answer, under one grammar, and answers (a call
 * identical to one already answered would only repeat it: it is asked to answer instead).
 * `required` and `{type: 'tool'}` always call; `none` never does.
 * Calls are returned as AI SDK `tool-call` parts and never executed here: the AI SDK's tool
 * loop runs them (llmspell journals each result), and the results come back in the prompt.
 */
import { availableParallelism } from 'node:os';
import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Content,
  LanguageModelV4FunctionTool,
  LanguageModelV4GenerateResult,
  LanguageModelV4Prompt,
  LanguageModelV4StreamPart,
  LanguageModelV4ToolResultOutput,
  SharedV4Warning,
} from '@ai-sdk/provider';
import type { ChatHistoryItem, GbnfJsonSchema, Llama, LlamaContext, LlamaGrammar, LlamaModel, TokenBias } from 'node-llama-cpp';
import { canonicalJson } from '../journal/canonical.ts';
import {
  TOOL_CALL_CLOSE,
  TOOL_CALL_OPEN,
  TOOL_RESULT_CLOSE,
  TOOL_RESULT_OPEN,
  replyGrammar,
  tighten,
  toGrammarSchema,
  toolCallSchema,
} from './local-grammar.ts';
import { WindUp, windUpPoint } from './local-windup.ts';

/** The text of a message's text parts (the local models here read text). */
function textOf(content: LanguageModelV4Prompt[number]['content']): string {
  if (typeof content === 'string') return content;
  return content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

/** Serialises calls: one llama.cpp context evaluates one sequence at a time. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => {});
    return result;
  }
}

/** Options of a {@link LlamaCppLanguageModel}. */
export interface LlamaCppModelOptions {
  /** Path of the GGUF weights. */
  modelPath: string;
  /** Tokens of context. Default 2048. */
  contextSize?: number;
  /**
   * CPU threads. Default: one less than the machine's parallelism (at least one). llama.cpp's
   * threads wait for each other at every step, spinning: when all cores are its own, any other
   * work on the machine (the worker's event loop, which handles every token, Temporal, engine
   * threads) stalls them all. Measured on 2 cores under load: 1 thread 40-55 tok/s, 2 threads
   * 5-19 tok/s.
   */
  threads?: number;
}

/** What one call asks of the model: how it may reply, and what it is told about that. */
interface Plan {
  /** GBNF of the reply; none: free text. */
  grammar?: string;
  /** The reply without the tool call, for when a call is refused as redundant. */
  answerGrammar: string;
  /** Whether the reply can be a tool call, and whether it must be. */
  mayCall: boolean;
  mustCall: boolean;
  /** Calls already answered in this turn (canonical), which the model is not to repeat. */
  answered: Set<string>;
  /** Calls already in the prompt: new call ids continue their numbering. */
  priorCalls: number;
  /** Told to the model after the caller's system prompt. */
  system: string[];
  /** Whether an answer is free text (stop sequences apply) or JSON. */
  textAnswer: boolean;
  warnings: SharedV4Warning[];
}

interface Completion {
  text: string;
  call?: { toolCallId: string; toolName: string; input: string };
  inputTokens: number;
  outputTokens: number;
  finish: 'stop' | 'length' | 'tool-calls';
  raw: string;
  warnings: SharedV4Warning[];
}

const callKey = (name: string, input: unknown) => `${name}\u0000${canonicalJson(input ?? {})}`;

export class LlamaCppLanguageModel implements LanguageModelV4 {
  readonly specificationVersion = 'v4';
  readonly provider = 'local';
  readonly modelId: string;
  readonly supportedUrls = {};
  private readonly options: LlamaCppModelOptions;
  private loaded: Promise<{ llama: Llama; model: LlamaModel; context: LlamaContext }> | undefined;
  private readonly lock = new Mutex();
  /** Grammars by their GBNF text: an agent asks for the same one at every step. */
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();
  private readonly schemaGrammars = new Map<string, string>();
  private closerBias: TokenBias | undefined;

  constructor(modelId: string, options: LlamaCppModelOptions) {
    this.modelId = modelId;
    this.options = options;
  }

  /** Loads the weights once, on first use. */
  private load(): Promise<{ llama: Llama; model: LlamaModel; context: LlamaContext }> {
    this.loaded ??= (async () => {
      const { getLlama } = await import('node-llama-cpp');
      const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
      const model = await llama.loadModel({ modelPath: this.options.modelPath });
      // An explicit thread count: the automatic choice can oversubscribe small machines.
      const context = await model.createContext({
        contextSize: this.options.contextSize ?? 2048,
        threads: this.options.threads ?? Math.max(1, availableParallelism() - 1),
      });
      return { llama, model, context };
    })();
    return this.loaded;
  }

  private grammar(llama: Llama, gbnf: string): Promise<LlamaGrammar> {
    let grammar = this.grammars.get(gbnf);
    if (!grammar) {
      if (this.grammars.size >= 64) this.grammars.delete(this.grammars.keys().next().value!);
      grammar = llama.createGrammar({ grammar: gbnf });
      grammar.catch(() => this.grammars.delete(gbnf));
      this.grammars.set(gbnf, grammar);
    }
    return grammar;
  }

  /** GBNF of a grammar schema, by node-llama-cpp's generator (kept: an agent asks for the same at every step). */
  private async schemaGbnf(llama: Llama, schema: GbnfJsonSchema): Promise<string> {
    const key = canonicalJson(schema);
    let gbnf = this.schemaGrammars.get(key);
    if (gbnf === undefined) {
      const create = llama.createGrammarForJsonSchema.bind(llama) as (s: GbnfJsonSchema) => Promise<LlamaGrammar>;
      gbnf = tighten((await create(schema)).grammar);
      if (this.schemaGrammars.size >= 64) this.schemaGrammars.delete(this.schemaGrammars.keys().next().value!);
      this.schemaGrammars.set(key, gbnf);
    }
    return gbnf;
  }

  /** GBNF of a JSON Schema; if the generator fails on it (too deeply nested, say), any JSON object, validated afterwards. */
  private async jsonGbnf(llama: Llama, schema: unknown, warnings: SharedV4Warning[], what: string): Promise<string> {
    try {
      return await this.schemaGbnf(llama, toGrammarSchema(schema));
    } catch (error) {
      warnings.push({ type: 'compatibility', feature: what, details: `no grammar for this schema (${(error as Error).message}): any JSON object allowed, validated afterwards` });
      return this.schemaGbnf(llama, { type: 'object', additionalProperties: true });
    }
  }

  /** GBNF of a call of one of the tools; if the generator fails on their schemas, any arguments object, validated by the AI SDK. */
  private async callGbnf(llama: Llama, tools: LanguageModelV4FunctionTool[], warnings: SharedV4Warning[]): Promise<string> {
    try {
      return await this.schemaGbnf(llama, toolCallSchema(tools));
    } catch (error) {
      warnings.push({ type: 'compatibility', feature: 'tool inputSchema', details: `no grammar for these schemas (${(error as Error).message}): any arguments object allowed` });
      return this.schemaGbnf(llama, toolCallSchema(tools.map((t) => ({ name: t.name, inputSchema: { type: 'object' } }))));
    }
  }

  private async plan(llama: Llama, options: LanguageModelV4CallOptions): Promise<Plan> {
    const warnings: SharedV4Warning[] = [];
    const system: string[] = [];
    const choice = options.toolChoice ?? { type: 'auto' };
    let tools = (options.tools ?? []).filter((t): t is LanguageModelV4FunctionTool => t.type === 'function');
    for (const t of options.tools ?? []) if (t.type !== 'function') warnings.push({ type: 'unsupported', feature: `provider tool ${t.name}` });
    if (choice.type === 'none') tools = [];
    if (choice.type === 'tool') {
      tools = tools.filter((t) => t.name === choice.toolName);
      if (!tools.length) throw new Error(`toolChoice names "${choice.toolName}", which is not among the tools offered`);
    }

    // The current turn: what follows the last user message.
    const lastUser = options.prompt.findLastIndex((m) => m.role === 'user');
    const turn = options.prompt.slice(lastUser + 1);
    const answered = new Set<string>();
    for (const m of turn) {
      if (m.role !== 'assistant') continue;
      for (const part of m.content) if (part.type === 'tool-call') answered.add(callKey(part.toolName, parseInput(part.input)));
    }
    const turnHasResults = turn.some((m) => m.role === 'tool');
    const priorCalls = options.prompt.reduce((n, m) => n + (m.role === 'assistant' ? m.content.filter((p) => p.type === 'tool-call').length : 0), 0);

    const mayCall = tools.length > 0;
    const mustCall = mayCall && (choice.type === 'required' || choice.type === 'tool' || !turnHasResults);

    const json = options.responseFormat?.type === 'json' ? options.responseFormat : undefined;
    let answer: string | undefined;
    if (json) {
      if (json.schema) {
        answer = await this.jsonGbnf(llama, json.schema, warnings, 'responseFormat.schema');
        const { $schema: _, ...shown } = json.schema;
        system.push(`Reply with JSON only, matching this JSON Schema: ${JSON.stringify(shown)}`);
      } else {
        // The generic JSON grammar: an object.
        answer = (await llama.getGrammarFor('json')).grammar;
        system.push('Reply with a JSON object only.');
      }
    }
    if (mayCall) {
      system.push(
        [
          'You can call these tools:',
          ...tools.map((t) => `- ${t.name}: ${t.description ?? ''} Arguments: ${JSON.stringify(toGrammarSchema(t.inputSchema))}`),
          `To call a tool, write ${TOOL_CALL_OPEN}{"name": "<tool name>", "arguments": {<arguments>}}${TOOL_CALL_CLOSE}. ` +
            `Its result follows in ${TOOL_RESULT_OPEN}${TOOL_RESULT_CLOSE}; then answer the user.`,
        ].join('\n'),
      );
    }
    const call = mayCall ? await this.callGbnf(llama, tools, warnings) : undefined;
    const answerPart = answer ?? 'text';
    const grammar = mustCall ? replyGrammar({ call }) : mayCall ? replyGrammar({ call, answer: answerPart }) : answer ? replyGrammar({ answer }) : undefined;
    const answerGrammar = replyGrammar({ answer: answerPart });
    return { grammar, answerGrammar, mayCall, mustCall, answered, priorCalls, system, textAnswer: !answer, warnings };
  }

  /**
   * The prompt as node-llama-cpp chat history. A tool call and its result are written into
   * the assistant's turn, in the syntax the model calls with, and the model continues that
   * turn after the last result: told "the result is X" as a new user message, this model
   * calls the same tool again; continuing its own turn after the result, it answers.
   */
  private history(prompt: LanguageModelV4Prompt, extraSystem: string[]): ChatHistoryItem[] {
    type Item = { type: 'system' | 'user'; text: string } | { type: 'model'; pieces: string[] };
    const items: Item[] = [];
    const modelTurn = (): string[] => {
      const last = items.at(-1);
      if (last?.type === 'model') return last.pieces;
      const pieces: string[] = [];
      items.push({ type: 'model', pieces });
      return pieces;
    };
    let extraAdded = false;
    for (const message of prompt) {
      if (message.role === 'system') {
        items.push({ type: 'system', text: message.content });
        continue;
      }
      if (!extraAdded) {
        extraAdded = true;
        for (const text of extraSystem) items.push({ type: 'system', text });
      }
      if (message.role === 'user') items.push({ type: 'user', text: textOf(message.content) });
      else {
        const pieces = modelTurn();
        for (const part of message.content) {
          if (part.type === 'text' && part.text) pieces.push(part.text);
          else if (part.type === 'tool-call') pieces.push(renderCall(part.toolName, parseInput(part.input)));
          else if (part.type === 'tool-result') pieces.push(renderResult(part.output));
        }
      }
    }
    if (!extraAdded) for (const text of extraSystem) items.push({ type: 'system', text });
    // The model writes the last turn: a new one, or the one holding the latest tool results.
    if (items.at(-1)?.type !== 'model') items.push({ type: 'model', pieces: [] });
    return items.map((item, i): ChatHistoryItem => {
      if (item.type !== 'model') return item;
      const text = item.pieces.join('\n');
      return { type: 'model', response: [i === items.length - 1 && text.endsWith(TOOL_RESULT_CLOSE) ? text + '\n' : text] };
    });
  }

  /**
   * A bias towards the tokens that only close things (`"`, `]`, `}` and their runs): under a
   * JSON grammar they end the open string, array or object, and the grammar still writes the
   * properties that remain.
   */
  private closers(model: LlamaModel, TokenBiasClass: typeof TokenBias): TokenBias {
    if (this.closerBias) return this.closerBias;
    const bias = new TokenBiasClass(model.tokenizer);
    let runs = [''];
    for (let length = 1; length <= 4; length++) {
      runs = runs.flatMap((run) => ['"', ']', '}'].map((c) => run + c));
      for (const text of runs.flatMap((run) => [run, ` ${run}`])) {
        const tokens = model.tokenize(text);
        if (tokens.length === 1) bias.set(tokens, { logit: 30 });
      }
    }
    return (this.closerBias = bias);
  }

  /** Everything a call needs before it takes the context: the model, its plan, the history, the grammars. */
  private async prepare(options: LanguageModelV4CallOptions) {
    const { llama, model, context } = await this.load();
    const plan = await this.plan(llama, options);
    const history = this.history(options.prompt, plan.system);
    const grammar = plan.grammar ? await this.grammar(llama, plan.grammar) : undefined;
    const answerGrammar = await this.grammar(llama, plan.answerGrammar);
    return { model, context, plan, history, grammar, answerGrammar };
  }

  private async complete(
    options: LanguageModelV4CallOptions,
    prepared: Awaited<ReturnType<LlamaCppLanguageModel['prepare']>>,
    onText?: (text: string) => void,
  ): Promise<Completion> {
    const { model, context, plan, history, grammar, answerGrammar } = prepared;
    const { LlamaChat, TokenBias } = await import('node-llama-cpp');
    const closers = this.closers(model, TokenBias);
    const noBias = new TokenBias(model.tokenizer);
    const windUpAt = windUpPoint(options.maxOutputTokens);
    return this.lock.run(async () => {
      const sequence = context.getSequence();
      const chat = new LlamaChat({ contextSequence: sequence, autoDisposeSequence: false });
      try {
        const inputTokens = chat.chatWrapper.generateContextState({ chatHistory: history }).contextText.tokenize(model.tokenizer).length;
        let outputTokens = 0;
        const generate = async (g: LlamaGrammar | undefined, mode: Mode) => {
          const out = new TextOut(mode, onText);
          const windUp = new WindUp(windUpAt);
          const structured = () => out.mode === 'call' || (!plan.textAnswer && out.mode !== 'undecided');
          const result = await chat.generateResponse(history, {
            ...(options.maxOutputTokens !== undefined ? { maxTokens: options.maxOutputTokens } : {}),
            ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
            ...(options.topP !== undefined ? { topP: options.topP } : {}),
            ...(options.topK !== undefined ? { topK: options.topK } : {}),
            ...(options.seed !== undefined ? { seed: options.seed } : {}),
            ...(options.stopSequences?.length && plan.textAnswer && !plan.mustCall ? { customStopTriggers: options.stopSequences } : {}),
            ...(options.abortSignal ? { signal: options.abortSignal, stopOnAbortSignal: true } : {}),
            ...(g ? { grammar: g } : {}),
            onTextChunk: (chunk) => out.push(chunk),
            // Counted as generated: the text may tokenize shorter than the tokens the grammar let through.
            onToken: (tokens) => {
              outputTokens += tokens.length;
              windUp.feed(tokens, model.detokenize(tokens), structured());
            },
            // A JSON reply or a call winding up closes what is open as soon as its grammar lets it.
            tokenBias: () => (windUp.active ? closers : noBias),
          });
          return { response: result.response, stopReason: result.metadata.stopReason, text: out.text };
        };

        let r = await generate(grammar, plan.mustCall ? 'call' : plan.mayCall ? 'undecided' : 'text');
        let call = r.stopReason === 'maxTokens' ? undefined : parseCall(r.response);
        if (call && !plan.mustCall && plan.answered.has(callKey(call.name, call.arguments))) {
          // The same call again: its result is already in the turn, so answer instead.
          r = await generate(answerGrammar, 'text');
          call = undefined;
        }
        const base = { inputTokens, outputTokens, raw: r.stopReason, warnings: plan.warnings };
        if (call) {
          const input = JSON.stringify(call.arguments);
          return { ...base, text: '', call: { toolCallId: `call_${plan.priorCalls + 1}`, toolName: call.name, input }, finish: 'tool-calls' };
        }
        // A call cut short by the token limit is no call: what was written comes back as text.
        const text = r.text || r.response.trim();
        return { ...base, text, finish: r.stopReason === 'maxTokens' ? 'length' : 'stop' };
      } finally {
        chat.dispose({ disposeSequence: false });
        sequence.dispose();
      }
    });
  }

  private usage(r: { inputTokens: number; outputTokens: number }): LanguageModelV4GenerateResult['usage'] {
    return {
      inputTokens: { total: r.inputTokens, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
      outputTokens: { total: r.outputTokens, text: undefined, reasoning: undefined },
    };
  }

  async doGenerate(options: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
    const r = await this.complete(options, await this.prepare(options));
    const content: LanguageModelV4Content[] = [];
    if (r.text) content.push({ type: 'text', text: r.text });
    if (r.call) content.push({ type: 'tool-call', ...r.call });
    return {
      content,
      finishReason: { unified: r.finish, raw: r.raw },
      usage: this.usage(r),
      warnings: r.warnings,
    };
  }

  /** Text streams as the model writes it; a tool call is sent whole once written (only then is it a call). */
  async doStream(options: LanguageModelV4CallOptions) {
    const prepared = await this.prepare(options);
    let controller!: ReadableStreamDefaultController<LanguageModelV4StreamPart>;
    const stream = new ReadableStream<LanguageModelV4StreamPart>({ start: (c) => void (controller = c) });
    controller.enqueue({ type: 'stream-start', warnings: prepared.plan.warnings });
    let started = false;
    const onText = (delta: string) => {
      if (!started) {
        started = true;
        controller.enqueue({ type: 'text-start', id: 't' });
      }
      controller.enqueue({ type: 'text-delta', id: 't', delta });
    };
    this.complete(options, prepared, onText).then(
      (r) => {
        // Text that never streamed: a call cut short by the token limit.
        if (!started && r.text) onText(r.text);
        if (started) controller.enqueue({ type: 'text-end', id: 't' });
        if (r.call) {
          const { toolCallId: id, toolName, input } = r.call;
          controller.enqueue({ type: 'tool-input-start', id, toolName });
          controller.enqueue({ type: 'tool-input-delta', id, delta: input });
          controller.enqueue({ type: 'tool-input-end', id });
          controller.enqueue({ type: 'tool-call', ...r.call });
        }
        controller.enqueue({ type: 'finish', finishReason: { unified: r.finish, raw: r.raw }, usage: this.usage(r) });
        controller.close();
      },
      (error: unknown) => controller.error(error),
    );
    return { stream };
  }
}

type Mode = 'text' | 'call' | 'undecided';

/**
 * The answer text of one generation as it arrives, leading white space dropped. `undecided`:
 * held until its first character tells a call (`<`: the grammar keeps free text from starting
 * with it) from an answer. A call is never text.
 */
class TextOut {
  text = '';
  private pending = '';
  mode: Mode;
  private readonly onText: ((text: string) => void) | undefined;
  constructor(mode: Mode, onText?: (text: string) => void) {
    this.mode = mode;
    this.onText = onText;
  }
  push(chunk: string): void {
    if (this.mode === 'undecided') {
      this.pending += chunk;
      if (!this.pending) return;
      this.mode = this.pending.startsWith('<') ? 'call' : 'text';
      chunk = this.pending;
    }
    if (this.mode === 'call') return;
    if (!this.text) chunk = chunk.trimStart();
    if (!chunk) return;
    this.text += chunk;
    this.onText?.(chunk);
  }
}

/** A tool call's input from the prompt: the AI SDK hands it parsed, some callers as JSON text. */
function parseInput(input: unknown): unknown {
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input);
  } catch {
    return input;
  }
}

function renderCall(name: string, input: unknown): string {
  return `${TOOL_CALL_OPEN}${JSON.stringify({ name, arguments: input ?? {} })}${TOOL_CALL_CLOSE}`;
}

function renderResult(output: LanguageModelV4ToolResultOutput): string {
  let text: string;
  switch (output.type) {
    case 'text':
      text = output.value;
      break;
    case 'json':
      text = JSON.stringify(output.value);
      break;
    case 'error-text':
      text = `Error: ${output.value}`;
      break;
    case 'error-json':
      text = `Error: ${JSON.stringify(output.value)}`;
      break;
    case 'execution-denied':
      text = `Not run${output.reason ? `: ${output.reason}` : ''}`;
      break;
    case 'content':
      text = output.value.map((p) => (p.type === 'text' ? p.text : '')).join('');
      break;
  }
  return `${TOOL_RESULT_OPEN}${text}${TOOL_RESULT_CLOSE}`;
}

/** The call in a reply the grammar shaped as `<tool_call>{"name": …, "arguments": …}</tool_call>`. */
function parseCall(reply: string): { name: string; arguments: unknown } | undefined {
  const text = reply.trim();
  if (!text.startsWith(TOOL_CALL_OPEN) || !text.endsWith(TOOL_CALL_CLOSE)) return undefined;
  try {
    const call = JSON.parse(text.slice(TOOL_CALL_OPEN.length, -TOOL_CALL_CLOSE.length)) as { name: string; arguments?: unknown };
    return { name: call.name, arguments: call.arguments ?? {} };
  } catch {
    return undefined; // cut short (an abort): not a call
  }
}
