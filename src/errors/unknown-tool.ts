import { SpellError } from './spell-error.ts';

/** tool.call names a tool that is not registered on the worker. */
export class UnknownTool extends SpellError {
  readonly type = 'UnknownTool';
}
