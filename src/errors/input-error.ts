import { SpellError } from './spell-error.ts';

/** The run's input or options are invalid (bad --input JSON, unknown engine, …). */
export class SpellInputError extends SpellError {
  readonly type = 'SpellInputError';
}
