import { SpellError } from './spell-error.ts';

/** Re-execution of the script asked for a different call than the journal holds. */
export class SpellNondeterminism extends SpellError {
  readonly type = 'SpellNondeterminism';
}
