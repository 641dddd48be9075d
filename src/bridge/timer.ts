/** `sleep(seconds)` and `signal.wait(name, {timeout?})`: durable commands the workflow carries out. */
import { z } from 'zod';
import type { ApiFunction, BridgeKind } from './kind.ts';

export const sleepArgs = z.strictObject({ seconds: z.number().min(0).max(365 * 24 * 3600) });

export const signalWaitArgs = z.strictObject({
  name: z.string().min(1),
  /** Seconds to wait before giving up (the call then returns nil). */
  timeout: z.number().positive().optional(),
});

export const kinds: BridgeKind[] = [
  { kind: 'sleep', class: 'command', args: sleepArgs, name: (a: { seconds: number }) => `${a.seconds}s` },
  { kind: 'signal.wait', class: 'command', args: signalWaitArgs },
];

const json = z.custom<unknown>().describe('Json');
export const docs: ApiFunction[] = [
  { module: null, name: 'sleep', doc: 'A durable timer carried out by the workflow.', params: [{ name: 'seconds', schema: sleepArgs.shape.seconds }], result: null, async: true },
  { module: 'signal', name: 'wait', doc: 'Waits for a signal sent with `llmspell signal <run> <name> [JSON]`; nil/undefined on timeout.', params: [{ name: 'name', schema: signalWaitArgs.shape.name }, { name: 'options', schema: signalWaitArgs.pick({ timeout: true }), optional: true }], result: json, async: true },
];
