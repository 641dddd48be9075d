/**
 * Tracing turned on by the environment: an OTLP endpoint is set. Nothing of OpenTelemetry is
 * loaded otherwise.
 */
import type { SpellTracing } from './tracing.ts';

let fromEnv: Promise<SpellTracing> | undefined;

/** Whether the standard OpenTelemetry variables ask for traces to be exported over OTLP. */
export function tracingWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true' || env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return false;
  return !!(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

/**
 * The process's OTLP tracing when OTEL_EXPORTER_OTLP_ENDPOINT (or _TRACES_ENDPOINT) is set,
 * else undefined: one for the whole process, so the CLI's client and its worker share a
 * trace. It flushes after each client call, for commands that end right after one.
 */
export async function tracingFromEnv(): Promise<SpellTracing | undefined> {
  if (!tracingWanted()) return undefined;
  fromEnv ??= import('./tracing.ts').then(({ otlpTracing }) => otlpTracing({ flushClientCalls: true }));
  return await fromEnv;
}
