/**
 * OpenTelemetry tracing of spell runs: Temporal's interceptors make the workflow and activity
 * spans (client → workflow → activity, children and continue-as-new included, through Temporal
 * headers); ./spans.ts adds one span per bridge call the worker executes. Loaded only when
 * tracing is turned on.
 */
import type { Tracer } from '@opentelemetry/api';
import { Resource, envDetectorSync } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  makeWorkflowExporter,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type {
  Next,
  WorkflowCancelInput,
  WorkflowClientInterceptor,
  WorkflowDescribeInput,
  WorkflowQueryInput,
  WorkflowSignalInput,
  WorkflowSignalWithStartInput,
  WorkflowStartInput,
  WorkflowTerminateInput,
} from '@temporalio/client';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import type { RunSpellInput } from '../contract/run.ts';
import { installTracingContext } from './context.ts';
import { ActivitySpans } from './spans.ts';

/** How spans leave the process. */
export interface TracingOptions {
  /**
   * Where finished spans go: `new BatchSpanProcessor(new OTLPTraceExporter())` for a collector,
   * `new SimpleSpanProcessor(new InMemorySpanExporter())` in tests. Workflow spans (made in
   * Temporal's sandbox, passed out through a sink) go to it too.
   */
  spanProcessor: SpanProcessor;
  /** Resource of every span. Default: `service.name` `llmspell`, over which OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win. */
  resource?: Resource;
  /**
   * Exports queued spans after each traced client call (start, signal, cancel, terminate), so a
   * short-lived process (the CLI's `start`) loses none. Default false.
   */
  flushClientCalls?: boolean;
}

/** Most time a flush may hold up a worker's shutdown (or a client call): a collector that does not answer is given up on. */
const FLUSH_TIMEOUT_MS = 5_000;

/**
 * Tracing for a spell worker and its clients: give it to `createSpellPlugin({ tracing })` (or
 * `createSpellWorker`). One tracer and span processor for the client, the activities and the
 * workflow sandbox, so a run is one trace.
 */
export class SpellTracing {
  readonly tracer: Tracer;
  readonly resource: Resource;
  readonly spanProcessor: SpanProcessor;
  private readonly provider: BasicTracerProvider;
  private readonly flushClientCalls: boolean;

  constructor(options: TracingOptions) {
    installTracingContext();
    this.resource = Resource.default().merge(options.resource ?? new Resource({ 'service.name': 'llmspell' }).merge(envDetectorSync.detect()));
    this.spanProcessor = options.spanProcessor;
    this.provider = new BasicTracerProvider({ resource: this.resource, mergeResourceWithDefaults: false, spanProcessors: [options.spanProcessor] });
    this.tracer = this.provider.getTracer('llmspell');
    this.flushClientCalls = options.flushClientCalls ?? false;
  }

  /** Client interceptors: starting a run starts its trace (Client `interceptors`, or the plugin's). */
  clientInterceptor(): WorkflowClientInterceptor {
    return new SpellClientInterceptor(this, this.flushClientCalls);
  }

  /** Activity interceptors: each activity's span continues the trace its workflow passed in the headers. */
  readonly activityInterceptors: ActivityInterceptorsFactory = (ctx) => ({
    inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer: this.tracer }),
    outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
  });

  /** The sink the workflow sandbox's spans leave through (with `workflowInterceptorModules: [tracingInterceptorsPath]`). */
  sinks(): InjectedSinks<OpenTelemetrySinks> {
    const exporter = makeWorkflowExporter(this.spanProcessor, this.resource);
    // Temporal's sink adds the whole WorkflowInfo to each span (nested objects, which are not
    // valid attribute values, and the memo): the run's identity is enough.
    return { exporter: { export: { ...exporter.export, fn: (info, spans) => exporter.export.fn(workflowIdentity(info) as WorkflowInfo, spans) } } };
  }

  /** Spans of one runSpell activity (called inside the activity's span). */
  activity(input: Pick<RunSpellInput, 'target' | 'scheduled' | 'local'>): ActivitySpans {
    return new ActivitySpans(this.tracer, input);
  }

  /** Exports what is queued. Never throws, and gives up after a few seconds: tracing never fails or holds up a run. */
  async flush(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, FLUSH_TIMEOUT_MS)));
    try {
      await Promise.race([this.provider.forceFlush().catch((error: unknown) => reportExportError(error)), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Flushes, then shuts the span processor down (its exporter's connections included). */
  async shutdown(): Promise<void> {
    await this.flush();
    await this.provider.shutdown().catch((error: unknown) => reportExportError(error));
  }
}

/** Tracing for the given span processor (see {@link TracingOptions}). */
export function createTracing(options: TracingOptions): SpellTracing {
  return new SpellTracing(options);
}

/**
 * Tracing to an OTLP/HTTP collector, configured by the standard variables
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS,
 * OTEL_EXPORTER_OTLP_TIMEOUT, …): spans in batches, export failures reported on stderr.
 */
export async function otlpTracing(options: Pick<TracingOptions, 'flushClientCalls'> = {}): Promise<SpellTracing> {
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  return createTracing({ ...options, spanProcessor: new BatchSpanProcessor(new ReportingExporter(new OTLPTraceExporter())) });
}

/**
 * Temporal's client interceptor, but for polls: `llmspell run` asks the run's progress every few
 * hundred milliseconds, and each query would be a trace of its own (a span in the client and one
 * in the workflow).
 */
class SpellClientInterceptor extends OpenTelemetryWorkflowClientInterceptor {
  private readonly tracing: SpellTracing;
  private readonly flushAfter: boolean;

  constructor(tracing: SpellTracing, flushAfter: boolean) {
    super({ tracer: tracing.tracer });
    this.tracing = tracing;
    this.flushAfter = flushAfter;
  }

  override async start(input: WorkflowStartInput, next: Next<WorkflowClientInterceptor, 'start'>) {
    return await this.flushed(super.start(input, next));
  }

  override async startWithDetails(input: WorkflowStartInput, next: Next<WorkflowClientInterceptor, 'startWithDetails'>) {
    return await this.flushed(super.startWithDetails(input, next));
  }

  override async signal(input: WorkflowSignalInput, next: Next<WorkflowClientInterceptor, 'signal'>) {
    return await this.flushed(super.signal(input, next));
  }

  override async signalWithStart(input: WorkflowSignalWithStartInput, next: Next<WorkflowClientInterceptor, 'signalWithStart'>) {
    return await this.flushed(super.signalWithStart(input, next));
  }

  override async cancel(input: WorkflowCancelInput, next: Next<WorkflowClientInterceptor, 'cancel'>) {
    return await this.flushed(super.cancel(input, next));
  }

  override async terminate(input: WorkflowTerminateInput, next: Next<WorkflowClientInterceptor, 'terminate'>) {
    return await this.flushed(super.terminate(input, next));
  }

  override async query(input: WorkflowQueryInput, next: Next<WorkflowClientInterceptor, 'query'>) {
    return await next(input);
  }

  override async describe(input: WorkflowDescribeInput, next: Next<WorkflowClientInterceptor, 'describe'>) {
    return await next(input);
  }

  private async flushed<T>(call: Promise<T>): Promise<T> {
    try {
      return await call;
    } finally {
      if (this.flushAfter) await this.tracing.flush();
    }
  }
}

/** The attributes each workflow span gets from the run's WorkflowInfo. */
function workflowIdentity(info: WorkflowInfo): Partial<WorkflowInfo> {
  const { workflowId, runId, workflowType, namespace, taskQueue, attempt } = info;
  return { workflowId, runId, workflowType, namespace, taskQueue, attempt };
}

/** How often a collector that keeps failing is reported. */
const REPORT_EVERY_MS = 60_000;
let reportedAt = Number.NEGATIVE_INFINITY;

/** A failed export is said on stderr (at most once a minute), never thrown: tracing never fails a run. */
function reportExportError(error: unknown): void {
  const now = Date.now();
  if (now - reportedAt < REPORT_EVERY_MS) return;
  reportedAt = now;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`llmspell: tracing: could not export spans: ${message}\n`);
}

/** An exporter whose failures are reported (the SDK's own go to its diagnostic logger, silent by default). */
class ReportingExporter implements SpanExporter {
  private readonly exporter: SpanExporter;

  constructor(exporter: SpanExporter) {
    this.exporter = exporter;
  }

  export(spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    this.exporter.export(spans, (result) => {
      // ExportResultCode.SUCCESS is 0.
      if (result.code !== 0) reportExportError(result.error ?? 'the exporter failed');
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.exporter.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.exporter.forceFlush?.() ?? Promise.resolve();
  }
}
