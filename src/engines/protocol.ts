/** Messages between the activity (main thread) and an engine thread or process. */
import type { BoundaryCall, Json, JournalEntry } from '../journal/types.ts';
import type { RunOutcome } from '../contract/run.ts';
import type { EffectRequest, EffectResult, RunRequest } from '../runtime/protocol.ts';

export type ToThread =
  | { type: 'run'; id: number; request: RunRequest }
  | { type: 'effectResult'; id: number; callId: number; result: EffectResult }
  /** Runs a tool the script defined (tool.define) while an agent effect is under way. */
  | { type: 'toolCall'; id: number; callId: number; name: string; args: Json }
  /**
   * The host's watchdog saw the run go past its time limit (wall time): the engine ends it
   * with SpellTimeout, or answers `extend` when its own CPU-time count says time is left.
   */
  | { type: 'cancel'; id: number; force?: boolean };

export type FromThread =
  | { type: 'ready' }
  | { type: 'effect'; id: number; callId: number; effect: EffectRequest }
  | { type: 'started'; id: number; call: Omit<BoundaryCall, 'args'> }
  /** One more completed effect: messages stay small however many effects a step makes. */
  | { type: 'completed'; id: number; seq: number; entry?: JournalEntry; child?: JournalEntry }
  /**
   * `resumed`: the execution took the run up where the last one stopped, without running the
   * script from the top; `replayed`: calls it answered from the journal; `kept`: the runs the
   * host now keeps stopped at a boundary (keptRunKey).
   */
  | { type: 'outcome'; id: number; outcome: RunOutcome; memoryUsedBytes: number; resumed: boolean; replayed: number; kept: string[] }
  | { type: 'toolResult'; id: number; callId: number; result: EffectResult }
  /** Answer to `cancel`: the run has this much CPU time left (it waited behind other runs in its process). */
  | { type: 'extend'; id: number; ms: number };

/** A run's chain as an engine host keeps it between executions: its next execution is the one to take it up. */
export function keptRunKey(request: Pick<RunRequest, 'spell' | 'target'>): string {
  return `${request.spell.id}\0${request.spell.runId}\0${request.target}`;
}
