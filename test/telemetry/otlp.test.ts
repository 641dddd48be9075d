/** `llmspell run` with OTEL_EXPORTER_OTLP_ENDPOINT set exports its trace to an OTLP/HTTP collector. */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { llmspell } from '../helpers/cli.ts';
import { repoRoot } from '../helpers/worker.ts';
import { freePort } from '../../src/server/dev-server.ts';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: Array<{ key: string; value: Record<string, unknown> }>;
}
interface OtlpRequest {
  resourceSpans: Array<{ resource: { attributes: OtlpSpan['attributes'] }; scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
}

/** A collector that keeps what it is sent (OTLP/HTTP with JSON bodies, the exporter's default). */
const received: Array<{ path: string; contentType: string; body: OtlpRequest }> = [];
let collector: Server;
let endpoint: string;

beforeAll(async () => {
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', contentType: req.headers['content-type'] ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpRequest });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => collector.close(() => resolve())));

const attribute = (attributes: OtlpSpan['attributes'], key: string) => {
  const value = attributes?.find((a) => a.key === key)?.value;
  return value ? Object.values(value)[0] : undefined;
};

it('exports the run as one trace, from the client through the workflow to each bridge call', async () => {
  received.length = 0;
  const r = await llmspell(['run', join(repoRoot, 'examples/hello.lua'), '--json', '--task-queue', `otlp-${randomUUID()}`], { env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint } });
  expect(r.code, r.stderr).toBe(0);
  // stdout is still one JSON document.
  expect(JSON.parse(r.stdout)).toMatchObject({ status: 'completed', result: { greeted: 'world' } });
  expect(r.stderr).not.toMatch(/tracing/);

  expect(received.length).toBeGreaterThan(0);
  for (const request of received) {
    expect(request.path).toBe('/v1/traces');
    expect(request.contentType).toMatch(/^application\/json/);
  }
  const resources = received.flatMap((r) => r.body.resourceSpans);
  for (const resource of resources) expect(attribute(resource.resource.attributes, 'service.name')).toBe('llmspell');
  const spans = resources.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
  const names = spans.map((s) => s.name);
  expect(names).toEqual(
    expect.arrayContaining(['StartWorkflow:spellWorkflow', 'RunWorkflow:spellWorkflow', 'StartActivity:runSpell', 'RunActivity:runSpell', 'llm.generate offline:echo', 'step summarize']),
  );
  // `run` polls the run's progress: no span for each poll.
  expect(names.filter((n) => /Query/.test(n))).toEqual([]);
  expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
  const root = spans.filter((s) => !s.parentSpanId);
  expect(root.map((s) => s.name)).toEqual(['StartWorkflow:spellWorkflow']);
  const llm = spans.find((s) => s.name === 'llm.generate offline:echo')!;
  expect(attribute(llm.attributes, 'llmspell.call.kind')).toBe('llm.generate');
  expect(attribute(llm.attributes, 'llmspell.model')).toBe('offline:echo');
  expect(spans.find((s) => s.spanId === llm.parentSpanId)?.name).toBe('RunActivity:runSpell');
});

it('a collector that cannot be reached does not fail the run: the export failure is said on stderr', async () => {
  const closed = `http://127.0.0.1:${await freePort()}`;
  const startedAt = Date.now();
  const r = await llmspell(['run', join(repoRoot, 'examples/hello.lua'), '--json', '--task-queue', `otlp-${randomUUID()}`], { env: { OTEL_EXPORTER_OTLP_ENDPOINT: closed } });
  expect(r.code, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ status: 'completed', result: { greeted: 'world' } });
  expect(r.stderr).toMatch(/llmspell: tracing: could not export spans: .*ECONNREFUSED/);
  // The flush gives up rather than holding the command.
  expect(Date.now() - startedAt).toBeLessThan(40_000);
});
