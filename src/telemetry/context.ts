/**
 * What Temporal's OpenTelemetry interceptors need from the process: a context manager that
 * follows async calls (the client's and the activity's spans become the active span), and a
 * W3C trace-context propagator (the span context travels in Temporal headers). Installed only
 * when tracing is turned on, and only where the application has not installed its own.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  ROOT_CONTEXT,
  context,
  createTraceState,
  isSpanContextValid,
  propagation,
  trace,
  type Context,
  type ContextManager,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';

/** The active context follows async calls (what @opentelemetry/context-async-hooks does). */
class AsyncLocalContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.storage.run(ctx, thisArg === undefined ? fn : fn.bind(thisArg), ...args);
  }

  bind<T>(ctx: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const run = target as (...args: unknown[]) => unknown;
    return ((...args: unknown[]) => this.with(ctx, () => run(...args))) as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.storage.disable();
    return this;
  }
}

const TRACEPARENT = 'traceparent';
const TRACESTATE = 'tracestate';
const TRACEPARENT_FORMAT = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})(-.*)?$/;

/** W3C Trace Context (`traceparent`, `tracestate`), the format the workflow sandbox's propagator reads and writes. */
class TraceContextPropagator implements TextMapPropagator {
  inject(ctx: Context, carrier: unknown, setter: TextMapSetter): void {
    const span = trace.getSpanContext(ctx);
    if (!span || !isSpanContextValid(span)) return;
    setter.set(carrier, TRACEPARENT, `00-${span.traceId}-${span.spanId}-${(span.traceFlags & 0xff).toString(16).padStart(2, '0')}`);
    const state = span.traceState?.serialize();
    if (state) setter.set(carrier, TRACESTATE, state);
  }

  extract(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
    const header = first(getter.get(carrier, TRACEPARENT));
    const match = header ? TRACEPARENT_FORMAT.exec(header.trim()) : null;
    // Version ff is invalid; version 00 has nothing after the flags.
    if (!match || match[1] === 'ff' || (match[1] === '00' && match[5])) return ctx;
    const state = first(getter.get(carrier, TRACESTATE));
    const span = {
      traceId: match[2]!,
      spanId: match[3]!,
      traceFlags: Number.parseInt(match[4]!, 16),
      isRemote: true,
      ...(state ? { traceState: createTraceState(state) } : {}),
    };
    return isSpanContextValid(span) ? trace.setSpanContext(ctx, span) : ctx;
  }

  fields(): string[] {
    return [TRACEPARENT, TRACESTATE];
  }
}

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

let installed = false;

/** Installs the context manager and the propagator, unless the application registered its own. */
export function installTracingContext(): void {
  if (installed) return;
  installed = true;
  // Refused (false) when one is already registered: the application's stays.
  context.setGlobalContextManager(new AsyncLocalContextManager());
  // The API's default propagator propagates nothing (and has no fields).
  if (propagation.fields().length === 0) propagation.setGlobalPropagator(new TraceContextPropagator());
}
