/** Live progress of a run on stderr: one line per journaled call (branches indented), child spells, then the result. */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow/codec-helpers.js';
import { progressQuery, type StepLine } from '../workflows/api.ts';
import { BRIDGE_EVENTS, type SpellEvent } from '../journal/types.ts';
import type { Checkpoint } from '../runtime/protocol.ts';

export function formatStep(step: StepLine): string {
  const mark = step.error ? '✗' : '✓';
  const usage = step.usage?.totalTokens !== undefined ? `  ${step.usage.totalTokens} tokens` : '';
  const error = step.error ? `  ${step.error}` : '';
  // Calls inside branches are indented by their depth (`3/1/0` is one branch deep).
  const depth = (step.path.split('/').length - 1) / 2;
  return `  ${'  '.repeat(depth)}${mark} #${step.path} ${step.kind} ${step.name}  ${step.durationMs} ms${usage}${error}`;
}

/** Polls the run's progress query until `done` settles, writing new lines as they come. */
export async function followProgress(
  client: Client,
  handle: WorkflowHandle,
  done: Promise<unknown>,
  write: (line: string) => void,
  intervalMs = 150,
  /** Also show text streamed by a running llm.stream call (read from its heartbeat). */
  live = true,
): Promise<void> {
  let line = 0;
  let event = 0;
  let waitingShown: string | undefined;
  let finished = false;
  const childrenShown = new Map<string, string>();
  done.then(
    () => (finished = true),
    () => (finished = true),
  );
  let liveShown = '';
  const pollLive = async () => {
    const payloads = (await handle.describe()).raw.pendingActivities?.[0]?.heartbeatDetails?.payloads;
    if (!payloads?.length) return;
    // Heartbeat details go through the data converter like every payload.
    const live = (await decodeFromPayloadsAtIndex<Checkpoint>(client.options.loadedDataConverter, 0, payloads))?.live;
    if (!live || !live.text.startsWith(liveShown) || live.text === liveShown) return;
    if (liveShown === '') write('    … streaming:');
    write(`      ${live.text.slice(liveShown.length).replace(/\n/g, ' ')}`);
    liveShown = live.text;
  };
  const poll = async () => {
    const progress = await handle.query(progressQuery, line, event);
    if (progress.steps.length > 0) liveShown = '';
    const show = (e: SpellEvent) => {
      if (e.name === 'agent.step') {
        const step = e.data as { index: number; tools: string[]; finish_reason: string };
        write(`    · agent step ${step.index + 1}${step.tools.length ? `: ${step.tools.join(', ')}` : ''} (${step.finish_reason})`);
      } else if (!BRIDGE_EVENTS.includes(e.name)) {
        write(`    · event ${e.name} ${JSON.stringify(e.data)}`);
      }
    };
    // Each step's own events (agent steps) right under it; the script's events after.
    const seqOf = (e: SpellEvent) => (e.data as { seq?: unknown } | null)?.seq;
    for (const step of progress.steps) {
      write(formatStep(step));
      if (!step.path.includes('/')) for (const e of progress.events) if (seqOf(e) === step.seq) show(e);
    }
    const shown = new Set(progress.steps.filter((s) => !s.path.includes('/')).map((s) => s.seq));
    for (const e of progress.events) if (!shown.has(seqOf(e) as number)) show(e);
    line += progress.steps.length;
    event += progress.events.length;
    for (const [id, child] of Object.entries(progress.children ?? {})) {
      if (childrenShown.get(id) === child.status) continue;
      childrenShown.set(id, child.status);
      write(`    ${child.status === 'running' ? '↳' : child.status === 'completed' ? '✓' : '✗'} child ${id} (${child.fileName}, ${child.engine}) ${child.status}`);
    }
    if (progress.status === 'waiting' && progress.waitingOn !== waitingShown) {
      waitingShown = progress.waitingOn;
      const hint = progress.waitingOn?.startsWith('signal.wait ')
        ? ` (send it: llmspell signal ${handle.workflowId} ${progress.waitingOn.slice(12)} '<json>')`
        : '';
      write(`  … waiting on ${progress.waitingOn}${hint}`);
    }
  };
  while (!finished) {
    await poll().catch(() => {});
    if (live) await pollLive().catch(() => {});
    await Promise.race([new Promise((resolve) => setTimeout(resolve, intervalMs)), done.catch(() => {})]);
  }
  await poll().catch(() => {});
}
