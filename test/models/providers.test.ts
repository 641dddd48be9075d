import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { providersFromEnv } from '../../src/models/providers.ts';
import { readHistory } from '../../src/cli/history.ts';
import { startTestWorker, type TestWorker } from '../helpers/worker.ts';
import { startProviderServer, type ProviderServer } from '../helpers/provider-server.ts';

const OPENAI_KEY = 'sk-test-openai-6f1c2a';
const ANTHROPIC_KEY = 'sk-ant-test-9b7e41';
const COMPAT_KEY = 'compat-test-key-33d0';

let server: ProviderServer;
let w: TestWorker;
beforeAll(async () => {
  server = await startProviderServer();
  w = await startTestWorker({
    providers: providersFromEnv({
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: `${server.url}/v1`,
      ANTHROPIC_API_KEY: ANTHROPIC_KEY,
      ANTHROPIC_BASE_URL: `${server.url}/v1`,
      OPENAI_COMPATIBLE_BASE_URL: `${server.url}/v1`,
      OPENAI_COMPATIBLE_API_KEY: COMPAT_KEY,
    }),
  });
});
afterAll(async () => {
  await w.close();
  await server.close();
});

const generate = (model: string, extra = '') =>
  `local r = llm.generate{ model = "${model}", system = "be brief", prompt = "ping"${extra} }\nreturn { text = r.text, tokens = r.usage.total_tokens, finish = r.finish_reason }`;

/** Every string and payload of a run's history, decoded: where a leaked key would show. */
async function historyText(workflowId: string): Promise<string> {
  const history = await w.client.workflow.getHandle(workflowId).fetchHistory();
  const parts: string[] = [];
  const walk = (value: unknown): void => {
    if (value instanceof Uint8Array) parts.push(Buffer.from(value).toString('utf8'));
    else if (typeof value === 'string') parts.push(value);
    else if (value && typeof value === 'object') for (const item of Object.values(value)) walk(item);
  };
  walk(history);
  return parts.join('\n');
}

describe.each([
  ['openai', 'openai:gpt-test', '/v1/responses', OPENAI_KEY, (h: Record<string, unknown>) => h.authorization],
  ['anthropic', 'anthropic:claude-sonnet-4-5', '/v1/messages', ANTHROPIC_KEY, (h: Record<string, unknown>) => h['x-api-key']],
  ['openai-compatible', 'openai-compatible:llama-test', '/v1/chat/completions', COMPAT_KEY, (h: Record<string, unknown>) => h.authorization],
])('%s provider', (_, model, path, key, auth) => {
  it('sends the request in the provider wire format and journals text and usage', async () => {
    const before = server.requests.length;
    const handle = await w.start({ source: generate(model, ', temperature = 0.5, max_tokens = 20'), fileName: 'p.lua' });
    expect(await handle.result()).toEqual({ text: 'fake answer to: ping', tokens: 12, finish: 'stop' });
    const request = server.requests[before]!;
    expect(request.path).toBe(path);
    expect(String(auth(request.headers))).toContain(key);
    expect(request.body.model).toBe(model.split(':')[1]);
    expect(request.body.temperature).toBe(0.5);
    expect(JSON.stringify(request.body)).toContain('be brief');
    const history = await readHistory(w.client, handle.workflowId);
    expect(history.entries[0]).toMatchObject({ kind: 'llm.generate', name: model, usage: { totalTokens: 12 } });
  });

  it('never puts the API key into workflow history', async () => {
    const handle = await w.start({ source: generate(model), fileName: 'p.lua' });
    await handle.result();
    const text = await historyText(handle.workflowId);
    expect(text).toContain('fake answer to: ping');
    expect(text).not.toContain(key);
  });
});

describe('provider failures', () => {
  it('retries a 429 through Temporal and journals the attempt that answered', async () => {
    server.failNext(429);
    const handle = await w.start({ source: generate('openai-compatible:m'), fileName: 'retry.lua', options: { maxAttempts: 3 } });
    expect(await handle.result()).toMatchObject({ text: 'fake answer to: ping' });
    const history = await readHistory(w.client, handle.workflowId);
    expect(history.entries[0]!.attempt).toBe(2);
  });

  it('raises a 401 in the script at once, without retrying', async () => {
    const before = server.requests.length;
    server.failNext(401);
    const source = 'local ok, e = pcall(llm.generate, { model = "anthropic:c", prompt = "x" })\nreturn { ok = ok, type = e.type, message = e.message }';
    const handle = await w.start({ source, fileName: 'auth.lua' });
    const result = (await handle.result()) as Record<string, unknown>;
    expect(result).toMatchObject({ ok: false, type: 'ProviderError' });
    expect(result.message).toMatch(/^anthropic:c: .*scripted failure 401/);
    expect(server.requests.length - before).toBe(1);
  });

  it('journals a 500 after the last attempt and fails the run when the script does not catch it', async () => {
    server.failNext(500, 500);
    const handle = await w.start({ source: generate('openai:g'), fileName: 'down.lua', options: { maxAttempts: 2 } });
    const error = await handle.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause?.message).toMatch(/down\.lua:1: openai:g: .*scripted failure 500/);
    const history = await readHistory(w.client, handle.workflowId);
    expect(history.entries[0]).toMatchObject({ attempt: 2, error: { type: 'ProviderError' } });
  });

  it('falls back to the next model on a provider failure and journals which answered', async () => {
    server.failNext(401);
    const source = 'local r = llm.generate{ model = { "anthropic:claude-sonnet-4-5", "openai-compatible:m" }, prompt = "ping", stop = { "END" }, seed = 7 }\nreturn r.model';
    const before = server.requests.length;
    const handle = await w.start({ source, fileName: 'fallback.lua' });
    expect(await handle.result()).toBe('openai-compatible:m');
    expect(server.requests.slice(before).map((r) => r.path)).toEqual(['/v1/messages', '/v1/chat/completions']);
    expect(server.requests.at(-1)!.body).toMatchObject({ stop: ['END'], seed: 7 });
    const [entry] = (await readHistory(w.client, handle.workflowId)).entries;
    expect(entry).toMatchObject({ name: 'anthropic:claude-sonnet-4-5|openai-compatible:m', result: { model: 'openai-compatible:m' } });
  });
});
