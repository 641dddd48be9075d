import { SpellError } from './spell-error.ts';

/** A bridge function was called with arguments that fail its schema. */
export class SpellBridgeArgument extends SpellError {
  readonly type = 'SpellBridgeArgument';
}
