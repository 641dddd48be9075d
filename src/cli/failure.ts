/**
 * Every failure the CLI reports has a type from the contract's tables and its exit code.
 * Errors are recognized by name and shape, so this module loads nothing from Temporal.
 */
import { exitCodeFor } from '../contract/errors.ts';

export interface CliFailure {
  type: string;
  message: string;
  exitCode: number;
  /** Printed under the message on stderr only (a stack for an internal error). */
  detail?: string;
}

/** gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html) that mean "cannot talk to Temporal". */
const UNREACHABLE = new Set([4 /* DEADLINE_EXCEEDED */, 7 /* PERMISSION_DENIED */, 14 /* UNAVAILABLE */, 16 /* UNAUTHENTICATED */]);

export function failureOf(error: unknown): CliFailure {
  const typed = (type: string, message: string, detail?: string): CliFailure => ({ type, message, exitCode: exitCodeFor(type), ...(detail ? { detail } : {}) });
  if (!(error instanceof Error)) return typed('InternalError', String(error));
  const e = error as Error & { type?: unknown; workflowId?: string; namespace?: string };
  // CliError and SpellError carry their type.
  if (typeof e.type === 'string' && (e.name === e.type || e.name === 'UsageError')) return typed(e.type, e.message);
  if (e.name === 'StorageSettingsError') return typed('ConfigError', e.message);
  if (e.name === 'WorkflowNotFoundError') return typed('RunNotFound', `no run "${e.workflowId}" in this namespace (llmspell list shows runs)`);
  if (e.name === 'NamespaceNotFoundError') return typed('ConfigError', `namespace "${e.namespace}" does not exist on this Temporal server (--namespace, TEMPORAL_NAMESPACE)`);
  const grpc = grpcError(e);
  if (grpc) {
    if (grpc.code === 5 /* NOT_FOUND */ && /namespace/i.test(grpc.details)) return typed('ConfigError', `${grpc.details} (--namespace, TEMPORAL_NAMESPACE)`);
    if (grpc.code === 5) return typed('RunNotFound', grpc.details);
    if (UNREACHABLE.has(grpc.code)) return typed('TemporalUnavailable', `Temporal refused or did not answer: ${grpc.details}`);
    if (grpc.code === 3 /* INVALID_ARGUMENT */) return typed('UsageError', `Temporal rejected the request: ${grpc.details}`);
  }
  return typed('InternalError', e.message, e.stack);
}

/** The gRPC error itself or in the cause chain (ServiceError wraps one). */
function grpcError(error: Error): { code: number; details: string } | undefined {
  for (let e: unknown = error; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    const { code, details } = e as { code?: unknown; details?: unknown };
    if (typeof code === 'number' && typeof details === 'string') return { code, details };
  }
  return undefined;
}
