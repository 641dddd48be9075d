/** The hand-written baseline: the same N model calls as a spell, as plain Temporal activities. */
import { condition, defineSignal, proxyActivities, setHandler, sleep } from '@temporalio/workflow';

const { generate } = proxyActivities<{ generate(prompt: string): Promise<string> }>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
});

export async function handWritten(steps: number): Promise<string> {
  let last = '';
  for (let i = 1; i <= steps; i++) last = await generate(`step ${i}`);
  return last;
}

const { parked } = proxyActivities<{ parked(): Promise<void> }>({ startToCloseTimeout: '1 minute' });
export const go = defineSignal('go');

/** The baseline of a parked spell: one activity, then a wait on a signal (or a timer) with nothing else held. */
export async function parkedWorkflow(mode: 'signal' | 'sleep', seconds: number): Promise<number> {
  let signalled = false;
  setHandler(go, () => void (signalled = true));
  await parked();
  if (mode === 'signal') await condition(() => signalled);
  else await sleep(seconds * 1000);
  return 1;
}

const { agentLoop } = proxyActivities<{ agentLoop(): Promise<number> }>({ startToCloseTimeout: '1 minute' });

/** The baseline of an agent run: the AI SDK's tool loop called directly in one activity. */
export async function oneActivityAgent(): Promise<number> {
  return await agentLoop();
}
