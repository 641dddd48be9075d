/** Bridge events are derived from journal entries, in call order with the script's own events. */
import { expect, it } from 'vitest';
import { bridgeEventsOf, withBridgeEvents } from '../../src/journal/events.ts';
import type { JournalEntry } from '../../src/journal/types.ts';

const base = { argsDigest: 'd', startedAt: 1, durationMs: 5, attempt: 1 };

it('derives the events around a model call, a stream, an agent and a failed tool call', () => {
  const generate: JournalEntry = { ...base, seq: 0, kind: 'llm.generate', name: 'm', result: { text: 'hi' }, usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 }, call: 4 };
  expect(bridgeEventsOf(generate)).toEqual([
    { call: 4, name: 'llm.request', data: { seq: 0, kind: 'llm.generate', name: 'm' } },
    { call: 4, name: 'llm.response', data: { seq: 0, kind: 'llm.generate', name: 'm', durationMs: 5, usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 } } },
  ]);
  const stream: JournalEntry = { ...base, seq: 1, kind: 'llm.stream', name: 'm', result: { text: 'ab', chunks: ['a', 'b'] }, call: 5 };
  expect(bridgeEventsOf(stream).map((e) => [e.name, e.data])).toEqual([
    ['llm.request', { seq: 1, kind: 'llm.stream', name: 'm' }],
    ['llm.chunk', { seq: 1, index: 0, text: 'a' }],
    ['llm.chunk', { seq: 1, index: 1, text: 'b' }],
    ['llm.response', { seq: 1, kind: 'llm.stream', name: 'm', durationMs: 5 }],
  ]);
  const agent: JournalEntry = { ...base, seq: 2, kind: 'agent.run', name: 'a', result: { steps: [{ tool_calls: [{ name: 'inc' }], finish_reason: 'tool-calls' }, { tool_calls: [], finish_reason: 'stop' }] }, call: 6 };
  expect(bridgeEventsOf(agent).map((e) => e.name)).toEqual(['agent.start', 'agent.step', 'agent.step', 'agent.finish']);
  expect(bridgeEventsOf(agent)[1]!.data).toEqual({ seq: 2, index: 0, tools: ['inc'], finish_reason: 'tool-calls' });
  const failed: JournalEntry = { ...base, seq: 3, kind: 'tool.call', name: 'nope', error: { type: 'UnknownTool', message: 'no' }, call: 7 };
  expect(bridgeEventsOf(failed).map((e) => [e.name, e.data])).toEqual([
    ['tool.call', { seq: 3, kind: 'tool.call', name: 'nope' }],
    ['tool.result', { seq: 3, kind: 'tool.call', name: 'nope', durationMs: 5, error: 'UnknownTool' }],
  ]);
});

it('takes the effects inside a step, and none from an entry journaled with its events (no call index)', () => {
  const step: JournalEntry = { ...base, seq: 0, kind: 'step', name: 's', children: [{ ...base, seq: 0, kind: 'tool.call', name: 't', result: 1, call: 2 }] };
  expect(bridgeEventsOf(step).map((e) => `${e.call} ${e.name}`)).toEqual(['2 tool.call', '2 tool.result']);
  expect(bridgeEventsOf({ ...base, seq: 0, kind: 'llm.generate', name: 'm', result: { text: 'old' } })).toEqual([]);
});

it('merges them with the script events in call order', () => {
  const entries: JournalEntry[] = [
    { ...base, seq: 0, kind: 'tool.call', name: 'a', result: 1, call: 1 },
    { ...base, seq: 1, kind: 'tool.call', name: 'b', result: 2, call: 3 },
  ];
  const script = [
    { call: 0, name: 'first', data: null },
    { call: 2, name: 'between', data: null },
    { call: 4, name: 'last', data: null },
  ];
  expect(withBridgeEvents(script, entries).map((e) => `${e.call} ${e.name}`)).toEqual(['0 first', '1 tool.call', '1 tool.result', '2 between', '3 tool.call', '3 tool.result', '4 last']);
});
