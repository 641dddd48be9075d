import { SpellError } from './spell-error.ts';

/** A model id names no known provider or model. */
export class UnknownModel extends SpellError {
  readonly type = 'UnknownModel';
}
