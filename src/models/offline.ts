/**
 * The built-in deterministic offline provider (`offline:echo`), built on the AI SDK's
 * language-model interface: for tests and demos with no model at hand.
 */
import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamPart,
} from '@ai-sdk/provider';

/** The text of the last user message of a prompt. */
function lastUserText(options: LanguageModelV4CallOptions): string {
  for (let i = options.prompt.length - 1; i >= 0; i--) {
    const message = options.prompt[i]!;
    if (message.role !== 'user') continue;
    return message.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
  }
  return '';
}

type JsonSchema = { type?: string | string[]; properties?: Record<string, JsonSchema>; items?: JsonSchema; enum?: unknown[]; minimum?: number; maximum?: number };

/** A deterministic value matching a JSON Schema: strings echo the prompt. */
function exampleOf(schema: JsonSchema, text: string): unknown {
  if (schema.enum?.length) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object':
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, v]) => [k, exampleOf(v, text)]));
    case 'array':
      return schema.items ? [exampleOf(schema.items, text)] : [];
    case 'string':
      return text;
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? -Infinity;
      return min <= 0 && 0 <= (schema.maximum ?? Infinity) ? 0 : min;
    }
    case 'boolean':
      return true;
    default:
      return null;
  }
}

const countTokens = (text: string) => (text.trim() === '' ? 0 : text.trim().split(/\s+/).length);

/**
 * Answers `echo: <last user message>`; asked for JSON with a schema, a value matching it whose
 * strings echo the message. Usage counts words as tokens.
 */
export class OfflineEchoModel implements LanguageModelV4 {
  readonly specificationVersion = 'v4';
  readonly provider = 'offline';
  readonly modelId = 'echo';
  readonly supportedUrls = {};

  async doGenerate(options: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
    const input = options.prompt
      .flatMap((m) => (typeof m.content === 'string' ? [m.content] : m.content.map((p) => ('text' in p ? p.text : ''))))
      .join(' ');
    let text = `echo: ${lastUserText(options)}`;
    if (options.responseFormat?.type === 'json' && options.responseFormat.schema) {
      text = JSON.stringify(exampleOf(options.responseFormat.schema as JsonSchema, text));
    } else if (options.maxOutputTokens !== undefined) {
      text = text.split(/\s+/).slice(0, options.maxOutputTokens).join(' ');
    }
    return {
      content: [{ type: 'text', text }],
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: {
        inputTokens: { total: countTokens(input), noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
        outputTokens: { total: countTokens(text), text: undefined, reasoning: undefined },
      },
      warnings: [],
    };
  }

  async doStream(options: LanguageModelV4CallOptions) {
    const result = await this.doGenerate(options);
    const text = result.content[0]?.type === 'text' ? result.content[0].text : '';
    const parts: LanguageModelV4StreamPart[] = [
      { type: 'stream-start', warnings: [] },
      { type: 'text-start', id: 't' },
      ...text.split(/(?<= )/).map((delta): LanguageModelV4StreamPart => ({ type: 'text-delta', id: 't', delta })),
      { type: 'text-end', id: 't' },
      { type: 'finish', finishReason: result.finishReason, usage: result.usage },
    ];
    return {
      stream: new ReadableStream<LanguageModelV4StreamPart>({
        start(controller) {
          for (const part of parts) controller.enqueue(part);
          controller.close();
        },
      }),
    };
  }
}
