/** `tool.call`: a host tool registered on the worker. */
import type { Json } from '../../journal/types.ts';
import { SpellError } from '../../errors/index.ts';
import type { EffectContext, EffectDeps, EffectResult, HostTool } from '../kind.ts';

export const executeOf = (t: HostTool) => (typeof t === 'function' ? t : t.execute);

/** A fork not allowed effects must not run a tool that changes the world again (DESIGN §2, Fork). */
export function checkEffects(name: string, tool: HostTool, ctx: EffectContext, where = `tool "${name}"`): void {
  if (ctx.refuseEffects && typeof tool === 'object' && tool.effects) {
    throw new SpellError(
      'EffectRefused',
      `${where} is marked effects: this run is a fork of ${ctx.refuseEffects.forkOf}, which does not run such tools live unless started with --allow-effects`,
    );
  }
}

export async function callTool(args: { name: string; args?: Json }, deps: EffectDeps, ctx: EffectContext = {}): Promise<EffectResult> {
  const tool = deps.tools[args.name];
  if (!tool) {
    throw new SpellError(
      'UnknownTool',
      `tool "${args.name}" is not registered on this worker (registered: ${Object.keys(deps.tools).join(', ') || 'none'})`,
    );
  }
  checkEffects(args.name, tool, ctx);
  try {
    return { ok: true, value: (await executeOf(tool)(args.args ?? null)) ?? null };
  } catch (error) {
    return { ok: false, error: { type: 'ToolError', message: `${args.name}: ${(error as Error).message ?? String(error)}` } };
  }
}
