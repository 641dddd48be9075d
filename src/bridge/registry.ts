/**
 * The bridge registry: every call kind a script can make, one room each (schema, class,
 * journal name, implementation, docs). A new kind is its room plus one line here.
 */
import { isCommand } from '../contract/kinds.ts';
import type { ApiFunction, BridgeKind } from './kind.ts';
import * as llm from './llm/index.ts';
import * as agent from './agent/index.ts';
import * as tool from './tool/index.ts';
import * as hook from './hook.ts';
import * as step from './step.ts';
import * as timer from './timer.ts';
import * as parallel from './parallel.ts';
import * as spell from './spell.ts';
import * as pure from './pure.ts';

const ROOMS: Array<{ kinds: BridgeKind[]; docs?: ApiFunction[] }> = [llm, agent, tool, hook, step, timer, parallel, spell, pure];

export const BRIDGE: ReadonlyMap<string, BridgeKind> = new Map(ROOMS.flatMap((room) => room.kinds.map((k) => [k.kind, k])));

/** The script-facing functions, for docs and editor types. */
export const API: readonly ApiFunction[] = ROOMS.flatMap((room) => room.docs ?? []);

// The workflow carries out exactly the command kinds the contract lists.
for (const [kind, spec] of BRIDGE) {
  if ((spec.class === 'command') !== isCommand(kind)) throw new Error(`bridge registry: ${kind} is ${spec.class} here but not in the contract's command list`);
}
