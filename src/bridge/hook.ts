/** `hook.before/after(kind, fn, {priority?})`: hooks run in the script; the host checks their definition. */
import { z } from 'zod';
import type { BridgeKind } from './kind.ts';
import { fnType } from './validate.ts';

export const hookDefineArgs = z.strictObject({
  phase: z.enum(['before', 'after']),
  /** A call kind such as "llm", "llm.generate", "tool.call", or "*". */
  kind: z.string({ error: 'expected a call kind such as "llm", "tool.call" or "*"' }).min(1, 'expected a call kind such as "llm", "tool.call" or "*"'),
  fn: fnType,
  priority: z.number().default(0),
});

export const kinds: BridgeKind[] = [{ kind: 'hook.define', class: 'pure', args: hookDefineArgs, label: (a) => `hook.${a.phase === 'after' ? 'after' : 'before'}`, readOnly: true, pure: ({ fn: _, ...hook }) => hook }];
