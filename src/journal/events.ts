/**
 * The bridge's events around an effect (`llm.request` … `llm.response`, `tool.call` …
 * `tool.result`, `agent.start`, `agent.step` … `agent.finish`, a stream's `llm.chunk`s), derived
 * from the effect's journal entry: everything they say is in the entry, so history keeps it
 * once. Pure: the workflow and the readers of history derive the same events.
 */
import type { Json, JournalEntry, SpellEvent } from './types.ts';

/** The bridge events of an entry and of the effects made inside it (a step's), in call order. */
export function bridgeEventsOf(entry: JournalEntry): SpellEvent[] {
  const own = entry.call === undefined ? [] : aroundEffect(entry, entry.call);
  return entry.children?.length ? [...own, ...entry.children.flatMap(bridgeEventsOf)] : own;
}

/** Script events and the bridge events of new entries, in call order (a bridge event first on a tie). */
export function withBridgeEvents(events: readonly SpellEvent[], entries: readonly JournalEntry[]): SpellEvent[] {
  const bridge = entries.flatMap(bridgeEventsOf).sort((a, b) => a.call - b.call);
  if (bridge.length === 0) return [...events];
  const merged: SpellEvent[] = [];
  let i = 0;
  for (const event of events) {
    while (i < bridge.length && bridge[i]!.call <= event.call) merged.push(bridge[i++]!);
    merged.push(event);
  }
  return merged.concat(bridge.slice(i));
}

function aroundEffect(entry: JournalEntry, call: number): SpellEvent[] {
  const { seq, kind, name } = entry;
  const isTool = kind === 'tool.call';
  const isAgent = kind === 'agent.run';
  const events: SpellEvent[] = [{ call, name: isTool ? 'tool.call' : isAgent ? 'agent.start' : 'llm.request', data: { seq, kind, name } }];
  // What happened inside: each streamed chunk, each agent step.
  const value = (entry.error ? {} : (entry.result ?? {})) as { chunks?: string[]; steps?: Array<{ tool_calls: Array<{ name: string }>; finish_reason: string }> };
  if (kind === 'llm.stream') value.chunks?.forEach((text, index) => events.push({ call, name: 'llm.chunk', data: { seq, index, text } }));
  if (isAgent) {
    value.steps?.forEach((step, index) => events.push({ call, name: 'agent.step', data: { seq, index, tools: step.tool_calls.map((c) => c.name), finish_reason: step.finish_reason } }));
  }
  events.push({
    call,
    name: isTool ? 'tool.result' : isAgent ? 'agent.finish' : 'llm.response',
    data: {
      seq,
      kind,
      name,
      durationMs: entry.durationMs,
      ...(entry.error ? { error: entry.error.type } : {}),
      ...(!entry.error && entry.usage ? { usage: entry.usage as unknown as Json } : {}),
    },
  });
  return events;
}
