import { SpellError } from './spell-error.ts';

/** The script used more memory than its limit. */
export class SpellMemoryLimit extends SpellError {
  readonly type = 'SpellMemoryLimit';
}
