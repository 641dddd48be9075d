import { ApplicationFailure } from '@temporalio/common';
import type { SpellErrorData } from '../journal/types.ts';

/**
 * Base class of llmspell's errors. `type` is stable: it is the Temporal
 * `ApplicationFailure` type and what `--json` output and exit codes key on.
 */
export abstract class SpellError extends Error {
  abstract readonly type: string;
  /** A retry cannot help: Temporal must not retry the activity. */
  readonly nonRetryable: boolean = true;
  /** `file:line` in the spell, when known. */
  where?: string;

  toData(): SpellErrorData {
    return { type: this.type, message: this.message, ...(this.where ? { where: this.where } : {}) };
  }

  toFailure(): ApplicationFailure {
    return ApplicationFailure.create({
      type: this.type,
      message: this.message,
      nonRetryable: this.nonRetryable,
      details: [this.toData()],
    });
  }
}
