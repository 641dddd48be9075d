import { z } from 'zod';
import { SpellError } from '../errors/index.ts';

/** Parses bridge arguments, raising an error that names the function and the bad field. */
export function parseArgs<S extends z.ZodType>(fn: string, schema: S, args: unknown): z.output<S> {
  const parsed = schema.safeParse(args);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue && issue.path.length > 0 ? `field "${issue.path.join('.')}"` : 'arguments';
  throw new SpellError('SpellBridgeArgument', `${fn}: ${field}: ${issue?.message ?? 'invalid'}`);
}

/**
 * A function argument: functions stay in the script, so the engine sends the value's type
 * name (`function`, `string`, …) and the schema checks it, naming what it got.
 */
export const fnType = z.string().refine((t) => t === 'function', { error: (issue) => `expected a function, got ${String(issue.input)}` });
