import { z } from 'zod';
import type { Json } from '../journal/types.ts';

/** `log.info/warn/error(msg, fields?)` */
export const logArgs = z.strictObject({ message: z.string(), fields: z.custom<Json>().optional() });
