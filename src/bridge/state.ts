import { z } from 'zod';
import type { Json } from '../journal/types.ts';

export const stateKeyArgs = z.strictObject({ key: z.string().min(1) });
/** `state.set(k, v)`: setting nil deletes the key. */
export const stateSetArgs = z.strictObject({ key: z.string().min(1), value: z.custom<Json>().optional() });
export const stateKeysArgs = z.strictObject({});
