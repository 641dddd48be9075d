/** Carries out effects on the worker's main thread, where keys live, through the registry. */
import { SpellError } from '../errors/index.ts';
import type { EffectContext, EffectDeps, EffectRequest, EffectResult } from './kind.ts';
import { BRIDGE } from './registry.ts';

/**
 * Runs one effect. Resolves with the script-visible result or error; throws a retryable
 * SpellError when a retry may pass (the activity decides whether to retry).
 */
export async function executeEffect(request: EffectRequest, deps: EffectDeps, ctx: EffectContext = {}): Promise<EffectResult> {
  try {
    const host = BRIDGE.get(request.kind)?.host;
    if (!host) throw new SpellError('NotSupported', `${request.kind} is not an effect`);
    return await (await host())(request.args, deps, ctx);
  } catch (error) {
    if (error instanceof SpellError) {
      if (!error.nonRetryable) throw error;
      return { ok: false, error: error.toData() };
    }
    return { ok: false, error: { type: 'SpellHostError', message: (error as Error).message ?? String(error) } };
  }
}
