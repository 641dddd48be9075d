import { z } from 'zod';

/** `json.decode(text)`; `json.encode` runs inside the engine. */
export const jsonDecodeArgs = z.strictObject({ text: z.string() });
