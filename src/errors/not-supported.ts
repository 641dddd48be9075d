import { SpellError } from './spell-error.ts';

/** The spell uses a feature this version does not implement. */
export class NotSupported extends SpellError {
  readonly type = 'NotSupported';
}
