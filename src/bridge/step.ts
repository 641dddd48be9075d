import { z } from 'zod';

/** `step(name, fn, {retry?, timeout?})`: the options part; fn stays in the sandbox. */
export const stepArgs = z.strictObject({
  name: z.string().min(1),
  options: z
    .strictObject({
      retry: z
        .strictObject({
          max_attempts: z.int().min(1).max(100),
          /** Seconds before the first retry; doubles each time. */
          backoff: z.number().positive().optional(),
        })
        .optional(),
      /** Seconds the step may take (the activity's start-to-close timeout). */
      timeout: z.number().positive().optional(),
    })
    .optional(),
});
export type StepArgs = z.output<typeof stepArgs>;
