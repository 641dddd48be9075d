import { z } from 'zod';

/** `signal.wait(name, {timeout?})`: waits for a signal; nil on timeout. */
export const signalWaitArgs = z.strictObject({
  name: z.string().min(1),
  /** Seconds to wait before giving up. */
  timeout: z.number().positive().optional(),
});
