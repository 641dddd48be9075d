import { z } from 'zod';
import type { Json } from '../journal/types.ts';

/** `tool.call(name, args)` */
export const toolCallArgs = z.strictObject({
  name: z.string().min(1),
  args: z.custom<Json>().optional(),
});
