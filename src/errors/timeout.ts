import { SpellError } from './spell-error.ts';

/** The script ran longer than its CPU/wall time limit. */
export class SpellTimeout extends SpellError {
  readonly type = 'SpellTimeout';
}
