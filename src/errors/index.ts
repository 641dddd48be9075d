export { SpellError } from './spell-error.ts';
export { SpellScriptError } from './script-error.ts';
export { SpellSyntaxError } from './syntax-error.ts';
export { SpellTimeout } from './timeout.ts';
export { SpellMemoryLimit } from './memory-limit.ts';
export { SpellOutputLimit } from './output-limit.ts';
export { SpellNondeterminism } from './nondeterminism.ts';
export { SpellBridgeArgument } from './bridge-argument.ts';
export { UnknownModel } from './unknown-model.ts';
export { UnknownTool } from './unknown-tool.ts';
export { NotSupported } from './not-supported.ts';
export { SpellInputError } from './input-error.ts';
export { ProviderError } from './provider-error.ts';
export { SpellBudgetExceeded } from './budget-exceeded.ts';

/**
 * Documented exit codes of the CLI, keyed by failure type.
 * 0 success · 1 spell failed · 2 bad input or usage · 3 limit hit · 4 nondeterminism.
 */
export const EXIT_CODES = { ok: 0, failed: 1, badInput: 2, limit: 3, nondeterminism: 4 } as const;

export function exitCodeForFailureType(type: string | undefined): number {
  switch (type) {
    case 'SpellSyntaxError':
    case 'SpellBridgeArgument':
    case 'UnknownModel':
    case 'UnknownTool':
    case 'SpellInputError':
    case 'NotSupported':
      return EXIT_CODES.badInput;
    case 'SpellTimeout':
    case 'SpellMemoryLimit':
    case 'SpellOutputLimit':
    case 'SpellBudgetExceeded':
      return EXIT_CODES.limit;
    case 'SpellNondeterminism':
      return EXIT_CODES.nondeterminism;
    default:
      return EXIT_CODES.failed;
  }
}
