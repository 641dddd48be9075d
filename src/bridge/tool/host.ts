/** `tool.call`: a host tool registered on the worker. */
import type { Json } from '../../journal/types.ts';
import { SpellError } from '../../errors/index.ts';
import type { EffectDeps, EffectResult, HostTool } from '../kind.ts';

export const executeOf = (t: HostTool) => (typeof t === 'function' ? t : t.execute);

export async function callTool(args: { name: string; args?: Json }, deps: EffectDeps): Promise<EffectResult> {
  const tool = deps.tools[args.name];
  if (!tool) {
    throw new SpellError(
      'UnknownTool',
      `tool "${args.name}" is not registered on this worker (registered: ${Object.keys(deps.tools).join(', ') || 'none'})`,
    );
  }
  try {
    return { ok: true, value: (await executeOf(tool)(args.args ?? null)) ?? null };
  } catch (error) {
    return { ok: false, error: { type: 'ToolError', message: `${args.name}: ${(error as Error).message ?? String(error)}` } };
  }
}
