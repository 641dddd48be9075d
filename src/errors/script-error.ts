import { SpellError } from './spell-error.ts';

/** An error raised by the spell's own code and not caught by it. */
export class SpellScriptError extends SpellError {
  readonly type = 'SpellScriptError';
}
