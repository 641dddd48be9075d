import { SpellError } from './spell-error.ts';

/** A model call would go over the run's token or cost budget (`--max-tokens`, `--max-cost`). */
export class SpellBudgetExceeded extends SpellError {
  readonly type = 'SpellBudgetExceeded';
}
