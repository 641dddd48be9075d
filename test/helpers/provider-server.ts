/**
 * A local HTTP server that speaks the providers' wire formats (OpenAI Responses and Chat
 * Completions, Anthropic Messages) with recorded-style answers, and scripted failures.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface RecordedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

export interface ProviderServer {
  url: string;
  requests: RecordedRequest[];
  /** Status codes to answer with before answering normally, in order (e.g. [429]). */
  failNext(...statuses: number[]): void;
  close(): Promise<void>;
}

/** The text the fake model answers for a request: the last user text, reversed per word. */
function lastUserText(body: Record<string, unknown>): string {
  const input = (body.messages ?? body.input) as Array<{ role: string; content: unknown }>;
  const last = [...input].reverse().find((m) => m.role === 'user');
  const content = last?.content;
  if (typeof content === 'string') return content;
  const parts = content as Array<{ text?: string }>;
  return parts.map((p) => p.text ?? '').join('');
}

const answer = (body: Record<string, unknown>) => `fake answer to: ${lastUserText(body)}`;

export interface ProviderServerOptions {
  /**
   * A Chat Completions request that offers tools is answered with this tool call (given how
   * many tool results the conversation holds) as long as it returns one, then with text.
   */
  toolCall?: (toolResults: number) => { name: string; args: unknown } | undefined;
}

export async function startProviderServer(options: ProviderServerOptions = {}): Promise<ProviderServer> {
  const requests: RecordedRequest[] = [];
  const failures: number[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      requests.push({ path: req.url ?? '', headers: req.headers, body });
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      const failure = failures.shift();
      if (failure) {
        const message = `scripted failure ${failure}`;
        send(
          failure,
          req.url?.endsWith('/messages')
            ? { type: 'error', error: { type: 'test_error', message } }
            : { error: { message, type: 'test_error', code: String(failure) } },
        );
        return;
      }
      const text = answer(body);
      if (req.url?.endsWith('/responses')) {
        send(200, {
          id: 'resp_1',
          object: 'response',
          created_at: 1_700_000_000,
          status: 'completed',
          model: body.model,
          output: [{ type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] }],
          usage: { input_tokens: 5, output_tokens: 7, total_tokens: 12 },
          incomplete_details: null,
        });
      } else if (req.url?.endsWith('/chat/completions')) {
        const done = (body.messages as Array<{ role: string }>).filter((m) => m.role === 'tool').length;
        const call = body.tools ? options.toolCall?.(done) : undefined;
        send(200, {
          id: 'chatcmpl_1',
          object: 'chat.completion',
          created: 1_700_000_000,
          model: body.model,
          choices: [
            call
              ? { index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: `call_${done}`, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.args) } }] }, finish_reason: 'tool_calls' }
              : { index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' },
          ],
          usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
        });
      } else if (req.url?.endsWith('/messages')) {
        send(200, {
          id: 'msg_1',
          type: 'message',
          role: 'assistant',
          model: body.model,
          content: [{ type: 'text', text }],
          stop_reason: 'end_turn',
          stop_sequence: null,
          usage: { input_tokens: 5, output_tokens: 7 },
        });
      } else {
        send(404, { error: { message: `no route ${req.url}` } });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext: (...statuses) => failures.push(...statuses),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
