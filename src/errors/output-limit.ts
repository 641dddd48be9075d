import { SpellError } from './spell-error.ts';

/** A result, argument or event was larger than the output limit. */
export class SpellOutputLimit extends SpellError {
  readonly type = 'SpellOutputLimit';
}
