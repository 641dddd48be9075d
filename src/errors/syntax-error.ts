import { SpellError } from './spell-error.ts';

/** The spell's source does not compile. */
export class SpellSyntaxError extends SpellError {
  readonly type = 'SpellSyntaxError';
}
