/** `step(name, fn, {retry?, timeout?})`: fn runs as one durable step; its result is journaled. */
import { z } from 'zod';
import type { ApiFunction, BridgeKind } from './kind.ts';

export const stepOptions = z.strictObject({
  retry: z
    .strictObject({
      max_attempts: z.int().min(1).max(100),
      /** Seconds before the first retry; doubles each time. */
      backoff: z.number().positive().optional(),
    })
    .optional(),
  /** Seconds the step may take (its activity's start-to-close timeout). */
  timeout: z.number().positive().optional(),
});

/** The options part; fn stays in the sandbox. */
export const stepArgs = z.strictObject({ name: z.string().min(1), options: stepOptions.optional() });
export type StepArgs = z.output<typeof stepArgs>;

export const kinds: BridgeKind[] = [{ kind: 'step', class: 'effect', args: stepArgs }];

const json = z.custom<unknown>().describe('Json');
export const docs: ApiFunction[] = [
  { module: null, name: 'step', doc: 'Runs fn as one named durable step (one Temporal activity); its result is journaled.', params: [{ name: 'name', schema: stepArgs.shape.name }, { name: 'fn', schema: json, fn: 'thunk' }, { name: 'options', schema: stepOptions, optional: true }], result: json, async: true },
];
