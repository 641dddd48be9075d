/** The hand-written baseline: the same N model calls as a spell, as plain Temporal activities. */
import { proxyActivities } from '@temporalio/workflow';

const { generate } = proxyActivities<{ generate(prompt: string): Promise<string> }>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
});

export async function handWritten(steps: number): Promise<string> {
  let last = '';
  for (let i = 1; i <= steps; i++) last = await generate(`step ${i}`);
  return last;
}
