/**
 * Every failure a user sees has one of these types: the Temporal `ApplicationFailure` type,
 * what `--json` output and exit codes key on. Pure data, used in the workflow sandbox too.
 *
 * `retry`: `transient` failures are retried by the activity retry policy (network, 429/5xx,
 * a lost worker); `onRequest` ones only when a step asks (`step(name, fn, {retry})`);
 * `never` ones are never retried (limits, nondeterminism, bad input).
 */
export const EXIT_CODES = { ok: 0, failed: 1, badInput: 2, limit: 3, nondeterminism: 4 } as const;

interface ErrorTypeSpec {
  exitCode: (typeof EXIT_CODES)[keyof typeof EXIT_CODES];
  retry: 'transient' | 'onRequest' | 'never';
  summary: string;
}

export const ERROR_TYPES = {
  SpellScriptError: { exitCode: 1, retry: 'onRequest', summary: 'an error raised by the spell and not caught' },
  ToolError: { exitCode: 1, retry: 'onRequest', summary: 'a tool (host, MCP or defined in the script) failed' },
  HookRefused: { exitCode: 1, retry: 'onRequest', summary: 'a hook refused the call (hook.refuse)' },
  LlmObjectMismatch: { exitCode: 1, retry: 'onRequest', summary: 'the model answered, but not with an object matching the schema' },
  ProviderError: { exitCode: 1, retry: 'transient', summary: 'a model provider failed (retried when the failure can pass)' },
  StepTimeout: { exitCode: 1, retry: 'onRequest', summary: 'a step or effect timed out after its retries' },
  SpellHostError: { exitCode: 1, retry: 'onRequest', summary: 'the worker failed to carry out a call' },
  SpellChildFailed: { exitCode: 1, retry: 'onRequest', summary: 'a spawned child spell failed' },
  SpellCancelled: { exitCode: 1, retry: 'never', summary: 'the run or a child was cancelled' },
  SpellSyntaxError: { exitCode: 2, retry: 'never', summary: 'the spell does not compile' },
  SpellBridgeArgument: { exitCode: 2, retry: 'never', summary: 'a bridge function got arguments that fail its schema' },
  SpellInputError: { exitCode: 2, retry: 'never', summary: 'the run\'s input, options or a spawned file are invalid' },
  UnknownModel: { exitCode: 2, retry: 'never', summary: 'a model id names no known provider or model' },
  UnknownTool: { exitCode: 2, retry: 'never', summary: 'a tool is not registered on the worker' },
  EffectRefused: { exitCode: 2, retry: 'never', summary: 'a fork would run a tool marked `effects` live (llmspell fork --allow-effects)' },
  NotSupported: { exitCode: 2, retry: 'never', summary: 'the spell uses a feature this version does not provide' },
  SpellTimeout: { exitCode: 3, retry: 'never', summary: 'the script ran longer than its CPU-time limit' },
  SpellMemoryLimit: { exitCode: 3, retry: 'never', summary: 'the script used more memory than its limit' },
  SpellOutputLimit: { exitCode: 3, retry: 'never', summary: 'a value was larger than the output limit' },
  SpellBudgetExceeded: { exitCode: 3, retry: 'never', summary: 'a model call would go over the token or cost budget' },
  SpellHistoryLimit: { exitCode: 3, retry: 'never', summary: 'the run neared Temporal\'s history limits without continuing as new' },
  SpellNondeterminism: { exitCode: 4, retry: 'never', summary: 'the script asked for other calls than its journal holds' },
  SpellJournalMismatch: { exitCode: 4, retry: 'never', summary: 'a journal rebuilt from history does not match the workflow\'s' },
} as const satisfies Record<string, ErrorTypeSpec>;

export type SpellErrorType = keyof typeof ERROR_TYPES;

export function isSpellErrorType(type: unknown): type is SpellErrorType {
  return typeof type === 'string' && Object.hasOwn(ERROR_TYPES, type);
}

/** Types Temporal must never retry an activity for. */
export const NEVER_RETRIED: readonly SpellErrorType[] = (Object.keys(ERROR_TYPES) as SpellErrorType[]).filter(
  (type) => ERROR_TYPES[type].retry === 'never',
);

/** Limits and nondeterminism end the run whatever the script does: it cannot catch them. */
export const FATAL: readonly SpellErrorType[] = (Object.keys(ERROR_TYPES) as SpellErrorType[]).filter(
  (type) => ERROR_TYPES[type].exitCode >= EXIT_CODES.limit,
);

/**
 * Failures of the `llmspell` command itself rather than of a spell: a separate table, so the
 * activity retry policy (NEVER_RETRIED) and FATAL, which workflows put in their commands, stay
 * as they are.
 */
export const CLI_ERROR_TYPES = {
  UsageError: { exitCode: 2, summary: 'the command line is wrong: an unknown command or flag, a missing argument, a bad value' },
  ConfigError: { exitCode: 2, summary: 'a connection profile, TLS file, API key, namespace or storage setting is invalid' },
  RunNotFound: { exitCode: 2, summary: 'no run has that id in the namespace' },
  RunEnded: { exitCode: 2, summary: 'the run has already ended: it cannot be signalled, cancelled or terminated' },
  RunBusy: { exitCode: 1, summary: 'the run kept moving while upgrade checked it against its journal: try again' },
  TemporalUnavailable: { exitCode: 1, summary: 'Temporal could not be reached, or refused the request' },
  InternalError: { exitCode: 1, summary: 'a bug in llmspell: the message and stack say where' },
} as const satisfies Record<string, Omit<ErrorTypeSpec, 'retry'>>;

export type CliErrorType = keyof typeof CLI_ERROR_TYPES;

/** The CLI's exit code for a failure type; unknown types are spell failures (1). */
export function exitCodeFor(type: string | undefined): number {
  if (isSpellErrorType(type)) return ERROR_TYPES[type].exitCode;
  if (typeof type === 'string' && Object.hasOwn(CLI_ERROR_TYPES, type)) return CLI_ERROR_TYPES[type as CliErrorType].exitCode;
  return EXIT_CODES.failed;
}
