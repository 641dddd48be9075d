/** `tool.call(name, args)`: a host tool (an effect); `tool.define{…}`: a tool written in the script, for agents. */
import { z } from 'zod';
import type { Json } from '../../journal/types.ts';
import type { ApiFunction, BridgeKind } from '../kind.ts';
import { fnType } from '../validate.ts';

export const toolCallArgs = z.strictObject({ name: z.string().min(1), args: z.custom<Json>().optional() });

/** The function stays in the script; the engine sends its type name (`fn`) to be checked. */
export const toolDefineArgs = z.strictObject({
  name: z.string().min(1),
  description: z.string().default(''),
  schema: z.record(z.string(), z.unknown()).default({ type: 'object' }),
  fn: fnType,
});

export const kinds: BridgeKind[] = [
  {
    kind: 'tool.call',
    class: 'effect',
    args: toolCallArgs,
    quick: (args: { name: string }, quickTools) => quickTools.includes(args.name),
    host: async () => (await import('./host.ts')).callTool,
  },
  { kind: 'tool.define', class: 'pure', args: toolDefineArgs, pure: ({ fn: _, ...definition }) => definition },
];

const json = z.custom<unknown>().describe('Json');
export const docs: ApiFunction[] = [
  { module: 'tool', name: 'call', doc: 'Calls a host tool registered on the worker (an effect).', params: [{ name: 'name', schema: toolCallArgs.shape.name }, { name: 'args', schema: json, optional: true }], result: json, async: true },
];
