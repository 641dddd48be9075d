/**
 * `local:<model>`: a real small model that runs with no network — GGUF weights run by
 * llama.cpp (node-llama-cpp's prebuilt binaries), wired into the AI SDK as a language
 * model so spells call it like any other provider.
 */
import { availableParallelism } from 'node:os';
import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamPart,
} from '@ai-sdk/provider';
import type { ChatHistoryItem, LlamaContext, LlamaModel } from 'node-llama-cpp';

/** The text of a prompt message (text parts only: the local models here read text). */
function textOf(content: LanguageModelV4CallOptions['prompt'][number]['content']): string {
  if (typeof content === 'string') return content;
  return content.map((part) => ('text' in part && typeof part.text === 'string' ? part.text : '')).join('');
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
  /** CPU threads. Default: the machine's parallelism. */
  threads?: number;
}

export class LlamaCppLanguageModel implements LanguageModelV4 {
  readonly specificationVersion = 'v4';
  readonly provider = 'local';
  readonly modelId: string;
  readonly supportedUrls = {};
  private readonly options: LlamaCppModelOptions;
  private loaded: Promise<{ model: LlamaModel; context: LlamaContext }> | undefined;
  private readonly lock = new Mutex();

  constructor(modelId: string, options: LlamaCppModelOptions) {
    this.modelId = modelId;
    this.options = options;
  }

  /** Loads the weights once, on first use. */
  private load(): Promise<{ model: LlamaModel; context: LlamaContext }> {
    this.loaded ??= (async () => {
      const { getLlama } = await import('node-llama-cpp');
      const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
      const model = await llama.loadModel({ modelPath: this.options.modelPath });
      // An explicit thread count: the automatic choice can oversubscribe small machines.
      const context = await model.createContext({
        contextSize: this.options.contextSize ?? 2048,
        threads: this.options.threads ?? availableParallelism(),
      });
      return { model, context };
    })();
    return this.loaded;
  }

  private async complete(options: LanguageModelV4CallOptions, onText?: (text: string) => void) {
    const { model, context } = await this.load();
    const { LlamaChatSession } = await import('node-llama-cpp');
    return this.lock.run(async () => {
      const history: ChatHistoryItem[] = [];
      for (const message of options.prompt) {
        if (message.role === 'system') history.push({ type: 'system', text: message.content });
        else if (message.role === 'user') history.push({ type: 'user', text: textOf(message.content) });
        else if (message.role === 'assistant') history.push({ type: 'model', response: [textOf(message.content)] });
      }
      const last = history.at(-1);
      const prompt = last?.type === 'user' ? (history.pop(), last.text) : '';
      const sequence = context.getSequence();
      const session = new LlamaChatSession({ contextSequence: sequence, autoDisposeSequence: false });
      try {
        session.setChatHistory(history);
        const result = await session.promptWithMeta(prompt, {
          ...(options.maxOutputTokens !== undefined ? { maxTokens: options.maxOutputTokens } : {}),
          ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
          ...(options.topP !== undefined ? { topP: options.topP } : {}),
          ...(options.topK !== undefined ? { topK: options.topK } : {}),
          ...(options.seed !== undefined ? { seed: options.seed } : {}),
          ...(options.stopSequences?.length ? { customStopTriggers: options.stopSequences } : {}),
          ...(options.abortSignal ? { signal: options.abortSignal, stopOnAbortSignal: true } : {}),
          ...(onText ? { onTextChunk: onText } : {}),
        });
        const inputTokens = model.tokenize(history.map((h) => (h.type === 'model' ? h.response.join('') : String(h.text))).join('\n') + prompt).length;
        return {
          text: result.responseText,
          inputTokens,
          outputTokens: model.tokenize(result.responseText).length,
          finish: result.stopReason === 'maxTokens' ? ('length' as const) : ('stop' as const),
          raw: result.stopReason,
        };
      } finally {
        session.dispose({ disposeSequence: false });
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
    const r = await this.complete(options);
    return {
      content: [{ type: 'text', text: r.text }],
      finishReason: { unified: r.finish, raw: r.raw },
      usage: this.usage(r),
      warnings: [],
    };
  }

  async doStream(options: LanguageModelV4CallOptions) {
    let controller!: ReadableStreamDefaultController<LanguageModelV4StreamPart>;
    const stream = new ReadableStream<LanguageModelV4StreamPart>({ start: (c) => void (controller = c) });
    controller.enqueue({ type: 'stream-start', warnings: [] });
    controller.enqueue({ type: 'text-start', id: 't' });
    this.complete(options, (delta) => controller.enqueue({ type: 'text-delta', id: 't', delta })).then(
      (r) => {
        controller.enqueue({ type: 'text-end', id: 't' });
        controller.enqueue({ type: 'finish', finishReason: { unified: r.finish, raw: r.raw }, usage: this.usage(r) });
        controller.close();
      },
      (error: unknown) => controller.error(error),
    );
    return { stream };
  }
}
