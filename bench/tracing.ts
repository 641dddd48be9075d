/**
 * What tracing costs a run: the same spells on two workers of one dev server, one without
 * tracing and one exporting every span over OTLP/HTTP (batched, as `llmspell worker` does) to
 * a local collector that answers at once; rounds interleaved, median wall time per run, and
 * spans per run. Spells: 20 model calls in regular activities (a test model behind a
 * provider), and 20 offline model calls (quick work: local activities).
 *
 * Run: node --no-node-snapshot bench/tracing.ts [rounds=5]
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { MockLanguageModelV4 } from 'ai/test';
import { createSpellWorker } from '../src/spell-worker.ts';
import { startSpell } from '../src/client.ts';
import { freePort, startDevServer } from '../src/server/dev-server.ts';
import { providerOf } from '../src/models/registry.ts';
import { createTracing } from '../src/telemetry/tracing.ts';

Runtime.install({ logger: new DefaultLogger('ERROR') });
const root = join(import.meta.dirname, '..');
const ROUNDS = Number(process.argv[2] ?? 5);
const CALLS = 20;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// A collector that takes every batch and answers at once, counting spans.
let received = 0;
const collector = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: unknown[] }> }> };
    received += body.resourceSpans.reduce((n, r) => n + r.scopeSpans.reduce((m, s) => m + s.spans.length, 0), 0);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/v1/traces`;

const model = new MockLanguageModelV4({
  doGenerate: async () => ({
    content: [{ type: 'text', text: 'ok' }],
    finishReason: { unified: 'stop', raw: 'stop' },
    usage: { inputTokens: { total: 3, noCache: undefined, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: 4, text: undefined, reasoning: undefined } },
    warnings: [],
  }),
});

const server = await startDevServer({ port: await freePort(), executable: join(root, '.tools/temporal/temporal') });
const connection = await Connection.connect({ address: server.address });
const native = await NativeConnection.connect({ address: server.address });
const tracing = createTracing({ spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter({ url })) });

async function worker(traced: boolean) {
  const client = new Client({ connection, ...(traced ? { interceptors: { workflow: [tracing.clientInterceptor()] } } : {}) });
  const taskQueue = `bench-tracing-${randomUUID()}`;
  const { worker, pool } = await createSpellWorker({
    connection: native,
    client,
    taskQueue,
    cacheDir: join(root, '.llmspell/cache'),
    providers: { test: providerOf({ m: model }) },
    tracing: traced ? tracing : false,
  });
  const running = worker.run();
  return {
    async run(source: string): Promise<number> {
      const started = performance.now();
      await (await startSpell(client, { source, fileName: 'bench.lua', engine: 'lua', taskQueue })).result();
      return performance.now() - started;
    },
    async close() {
      worker.shutdown();
      await running;
      await pool.close();
    },
  };
}

const spells = {
  [`${CALLS} model calls (regular activities)`]: `for i = 1, ${CALLS} do llm.generate{ model = "test:m", prompt = "p" .. i } end\nreturn "ok"`,
  [`${CALLS} offline calls (local activities)`]: `for i = 1, ${CALLS} do llm.generate{ model = "offline:echo", prompt = "p" .. i } end\nreturn "ok"`,
};
const workers = { off: await worker(false), on: await worker(true) };
for (const [name, source] of Object.entries(spells)) {
  // Warm up both (engines, the workflow cache).
  await workers.off.run(source);
  await workers.on.run(source);
  await tracing.flush();
  received = 0;
  const times = { off: [] as number[], on: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    times.off.push(await workers.off.run(source));
    times.on.push(await workers.on.run(source));
  }
  await tracing.flush();
  const off = median(times.off);
  const on = median(times.on);
  console.log(
    `${name}: tracing off ${off.toFixed(0)} ms, on ${on.toFixed(0)} ms per run (median of ${ROUNDS}; ${(on / off).toFixed(2)}x, ${(on - off).toFixed(0)} ms), ${(received / ROUNDS).toFixed(0)} spans per run`,
  );
}
await workers.off.close();
await workers.on.close();
await tracing.shutdown();
await native.close();
await connection.close();
await server.stop();
collector.close();
process.exit(0);
