import type { z } from 'zod';
import { SpellBridgeArgument } from '../errors/index.ts';

/** Parses bridge arguments, raising an error that names the function and the bad field. */
export function parseArgs<S extends z.ZodType>(fn: string, schema: S, args: unknown): z.output<S> {
  const parsed = schema.safeParse(args);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue && issue.path.length > 0 ? `field "${issue.path.join('.')}"` : 'arguments';
  throw new SpellBridgeArgument(`${fn}: ${field}: ${issue?.message ?? 'invalid'}`);
}
