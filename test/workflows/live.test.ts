/** Text streamed by a running llm.stream call is visible from outside before the step ends. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MockLanguageModelV4, simulateReadableStream } from 'ai/test';
import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { providerOf } from '../../src/models/registry.ts';
import { startTestWorker, type TestWorker } from '../helpers/worker.ts';
import { usageOf } from '../helpers/models.ts';

const words = ['one ', 'two ', 'three ', 'four ', 'five'];
const slow = new MockLanguageModelV4({
  doStream: async () => ({
    stream: simulateReadableStream<LanguageModelV4StreamPart>({
      initialDelayInMs: 0,
      chunkDelayInMs: 400,
      chunks: [
        { type: 'stream-start', warnings: [] },
        { type: 'text-start', id: 't' },
        ...words.map((delta): LanguageModelV4StreamPart => ({ type: 'text-delta', id: 't', delta })),
        { type: 'text-end', id: 't' },
        {
          type: 'finish',
          finishReason: { unified: 'stop', raw: 'stop' },
          usage: usageOf(1, 5),
        },
      ],
    }),
  }),
});

let w: TestWorker;
beforeAll(async () => {
  w = await startTestWorker({ providers: { test: providerOf({ slow }) } });
});
afterAll(() => w.close());

it('shows streamed text in the running activity before the call completes', async () => {
  const handle = await w.start({ source: 'return llm.stream{ model = "test:slow", prompt = "count" }.text', fileName: 'live.lua' });
  const seen: string[] = [];
  const done = handle.result();
  let finished = false;
  void done.then(() => (finished = true));
  while (!finished) {
    const data = (await handle.describe()).raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0]?.data;
    const live = data ? (JSON.parse(Buffer.from(data).toString()) as { live?: { text: string } }).live?.text : undefined;
    if (live && live !== seen.at(-1)) seen.push(live);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(await done).toBe('one two three four five');
  // Partial text was visible while the step ran, and only ever grew.
  expect(seen.length).toBeGreaterThan(0);
  expect(seen.some((text) => text.length < 'one two three four five'.length)).toBe(true);
  for (const [i, text] of seen.entries()) if (i > 0) expect(text.startsWith(seen[i - 1]!)).toBe(true);
});
