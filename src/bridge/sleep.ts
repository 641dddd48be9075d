import { z } from 'zod';

/** `sleep(seconds)`: a durable timer carried out by the workflow. */
export const sleepArgs = z.strictObject({ seconds: z.number().min(0).max(365 * 24 * 3600) });
