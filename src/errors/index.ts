/**
 * llmspell's one error class: `type` comes from the contract's error table (retryability,
 * exit code), so every failure a user sees is typed, and it maps to a Temporal
 * `ApplicationFailure` of the same type.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { SpellErrorData } from '../journal/types.ts';
import { ERROR_TYPES, type CliErrorType, type SpellErrorType } from '../contract/errors.ts';

export { CLI_ERROR_TYPES, ERROR_TYPES, EXIT_CODES, exitCodeFor, isSpellErrorType, type CliErrorType, type SpellErrorType } from '../contract/errors.ts';

export interface SpellErrorOptions {
  /** Whether a retry may pass; default from the error table (only `transient` types are). */
  retryable?: boolean;
  /** `file:line` in the spell. */
  where?: string;
  cause?: unknown;
}

export class SpellError extends Error {
  readonly type: SpellErrorType;
  /** A retry cannot help: Temporal must not retry the activity. */
  readonly nonRetryable: boolean;
  where?: string;

  constructor(type: SpellErrorType, message: string, options: SpellErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = type;
    this.type = type;
    this.nonRetryable = !(options.retryable ?? ERROR_TYPES[type].retry === 'transient');
    if (options.where) this.where = options.where;
  }

  toData(): SpellErrorData {
    return { type: this.type, message: this.message, ...(this.where ? { where: this.where } : {}) };
  }

  toFailure(): ApplicationFailure {
    return ApplicationFailure.create({ type: this.type, message: this.message, nonRetryable: this.nonRetryable, details: [this.toData()] });
  }
}


/** A failure of the `llmspell` command itself (bad usage, settings, an unknown run, Temporal unreachable): typed like spell failures. */
export class CliError extends Error {
  readonly type: CliErrorType;

  constructor(type: CliErrorType, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = type;
    this.type = type;
  }
}
