/** Workflows for bench/dispatch.ts: N sequential trivial activities, dispatched three ways. */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';

export interface DispatchActivities {
  noop(i: number): Promise<number>;
}
export type DispatchMode = 'eager' | 'matching' | 'local';

const eager = proxyActivities<DispatchActivities>({ startToCloseTimeout: '1 minute' });
const matching = proxyActivities<DispatchActivities>({ startToCloseTimeout: '1 minute', allowEagerDispatch: false });
const local = proxyLocalActivities<DispatchActivities>({ startToCloseTimeout: '1 minute' });

export async function sequential(n: number, mode: DispatchMode): Promise<number> {
  const { noop } = mode === 'eager' ? eager : mode === 'matching' ? matching : local;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += await noop(i);
  return sum;
}
