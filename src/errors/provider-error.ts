import { SpellError } from './spell-error.ts';

/** A model provider failed. Retryable when the failure can pass (network, 429, 5xx). */
export class ProviderError extends SpellError {
  readonly type = 'ProviderError';
  override readonly nonRetryable: boolean;
  constructor(message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.nonRetryable = !options.retryable;
  }
}
