import { afterAll, beforeAll, expect, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import { providerOf } from '../../src/models/registry.ts';
import { OfflineEchoModel } from '../../src/models/offline.ts';
import { startTestWorker, type TestWorker } from '../helpers/worker.ts';

let w: TestWorker;
beforeAll(async () => {
  // `test:echo` answers like the offline model but is not quick: each call is a regular activity.
  w = await startTestWorker({ providers: { test: providerOf({ echo: new OfflineEchoModel() }) } });
});
afterAll(() => w.close());

it('keeps history linear in the number of steps (300-step spell)', async () => {
  const source = `
    local last
    for i = 1, 300 do last = llm.generate{ model = "test:echo", prompt = "step " .. i } end
    return last.text
  `;
  const handle = await w.start({ source, fileName: 'steps-300.lua' });
  expect(await handle.result()).toBe('echo: step 300');
  const history = await handle.fetchHistory();

  // History bytes after the 100th, 200th and 300th step's activity completed.
  const sizeAt: number[] = [];
  let bytes = 0;
  let completed = 0;
  for (const event of history.events ?? []) {
    bytes += temporal.api.history.v1.HistoryEvent.encode(event).finish().length;
    if (event.activityTaskCompletedEventAttributes && ++completed % 100 === 0) sizeAt.push(bytes);
  }
  expect(completed).toBe(300);
  const [h100, h200, h300] = sizeAt as [number, number, number];
  // Linear: each 100 steps add about the same bytes. Passing the journal in every activity
  // input instead would make the third hundred cost about 5x the first.
  const growth = (h300 - h200) / (h200 - h100);
  expect(growth).toBeGreaterThan(0.9);
  expect(growth).toBeLessThan(1.1);
  expect(h300 - h200).toBeLessThan(1.1 * h100);
}, 120_000);

it('runs quick steps in local activities: 300 offline model calls leave a handful of events', async () => {
  const source = 'local last\nfor i = 1, 300 do last = llm.generate{ prompt = "step " .. i } end\nreturn last.text';
  const handle = await w.start({ source, fileName: 'quick-300.lua' });
  expect(await handle.result()).toBe('echo: step 300');
  const events = (await handle.fetchHistory()).events ?? [];
  // The main line starts in one regular activity (which makes the first call); the rest is local.
  expect(events.filter((e) => e.activityTaskScheduledEventAttributes)).toHaveLength(1);
  // Local activities batch quick work: far fewer than one marker per call.
  expect(events.length).toBeLessThan(100);
});
