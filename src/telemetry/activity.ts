/**
 * What a runSpell activity reports to tracing: its bridge calls, the steps it starts, how it
 * ended. Without tracing it is a no-op, and nothing of OpenTelemetry is loaded.
 */
import type { Checkpoint } from '../runtime/protocol.ts';
import type { EffectRequest, EffectResult } from '../bridge/kind.ts';
import type { ModelPrice } from '../contract/usage.ts';
import type { RunSpellInput, RunSpellResult } from '../contract/run.ts';
import type { SpellTracing } from './tracing.ts';

export interface ActivityTrace {
  /** Runs one effect the worker executes (never a replayed one) in its own span. */
  effect(request: EffectRequest, prices: Readonly<Record<string, ModelPrice>>, run: () => Promise<EffectResult>): Promise<EffectResult>;
  /** New work began at a boundary: a step opens its span, which the effects inside it go under. */
  boundary(call: Checkpoint['call']): void;
  /** The activity returned this outcome: open step spans end with what it says of them. */
  ended(outcome: RunSpellResult): void;
  /** The activity failed (it will be retried, or the workflow journals the failure). */
  failed(error: unknown): void;
}

const NO_TRACE: ActivityTrace = {
  effect: (_request, _prices, run) => run(),
  boundary: () => {},
  ended: () => {},
  failed: () => {},
};

/** The trace of one runSpell activity; call it inside the activity (its span is the active one). */
export function activityTrace(tracing: SpellTracing | undefined, input: RunSpellInput): ActivityTrace {
  return tracing ? tracing.activity(input) : NO_TRACE;
}
