import { z } from 'zod';
import type { Json } from '../journal/types.ts';

/** `event.emit(name, data?)` */
export const eventEmitArgs = z.strictObject({ name: z.string().min(1), data: z.custom<Json>().optional() });
