/** The durable commands the workflow carries out, one file each (the contract lists their kinds). */
import type { CommandKind } from '../../contract/kinds.ts';
import type { SpellWorkflowInput } from '../../contract/run.ts';
import type { BoundaryCall, Json, SpellErrorData, StateOp, UsageTotals } from '../../journal/types.ts';
import type { RunState } from '../run-state.ts';
import type { ChainEnd } from '../chain.ts';
import { sleepCommand, signalWaitCommand } from './timer.ts';
import { parallelCommand } from './parallel.ts';
import { spawnCommand, waitCommand, childSignalCommand, cancelCommand } from './children.ts';
import { continueAsNewCommand } from './continue.ts';

/** What commands reach: the run's state and input, and a way to run a branch's chain. */
export interface RunContext {
  workflowId: string;
  run: RunState;
  input: SpellWorkflowInput;
  sourceHash: string;
  runChain(path: string): Promise<ChainEnd>;
}

/** A command's journal entry, but for the fields the interpreter fills in. */
export interface CommandDone {
  result?: Json;
  error?: SpellErrorData;
  stateOps?: StateOp[];
  totals?: UsageTotals;
}

export type Command = (ctx: RunContext, path: string, call: BoundaryCall) => Promise<CommandDone>;

export const COMMANDS: Record<CommandKind, Command> = {
  sleep: sleepCommand,
  'signal.wait': signalWaitCommand,
  parallel: parallelCommand,
  'spell.spawn': spawnCommand,
  'spell.wait': waitCommand,
  'spell.signal': childSignalCommand,
  'spell.cancel': cancelCommand,
  'spell.continue_as_new': continueAsNewCommand,
};
