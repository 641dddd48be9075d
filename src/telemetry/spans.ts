/**
 * One span per bridge call a runSpell activity executes (model calls, agents, tools, spawn's
 * file read) and per step it runs, under the activity's span. Replayed calls answer from the
 * journal and get none. Spans carry names, kinds, models, token usage, cost and typed errors:
 * never prompts, arguments or results.
 */
import { SpanKind, SpanStatusCode, context, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { BRIDGE } from '../bridge/registry.ts';
import { costOf, type ModelPrice } from '../contract/usage.ts';
import { entryPath } from '../journal/types.ts';
import type { EffectRequest, EffectResult } from '../bridge/kind.ts';
import type { Checkpoint } from '../runtime/protocol.ts';
import type { RunSpellInput, RunSpellResult } from '../contract/run.ts';
import type { ActivityTrace } from './activity.ts';
import { ATTR, chainName } from './attributes.ts';

interface OpenStep {
  seq: number;
  span: Span;
  context: Context;
}

export class ActivitySpans implements ActivityTrace {
  /** The activity's context: Temporal's interceptor made its span the active one. */
  private readonly parent = context.active();
  private readonly steps = new Map<string, OpenStep>();
  private readonly tracer: Tracer;
  private readonly target: string;

  constructor(tracer: Tracer, input: Pick<RunSpellInput, 'target' | 'scheduled' | 'local'>) {
    this.tracer = tracer;
    this.target = input.target;
    trace.getSpan(this.parent)?.setAttributes({
      [ATTR.chain]: chainName(input.target),
      [ATTR.local]: input.local === true,
      ...(input.scheduled !== undefined ? { [ATTR.scheduled]: input.scheduled } : {}),
    });
  }

  async effect(request: EffectRequest, prices: Readonly<Record<string, ModelPrice>>, run: () => Promise<EffectResult>): Promise<EffectResult> {
    // A call inside a step is keyed `<step path>.<n>`.
    const dot = request.key.lastIndexOf('.');
    const parent = (dot >= 0 ? this.steps.get(request.key.slice(0, dot))?.context : undefined) ?? this.parent;
    const model = BRIDGE.get(request.kind)?.model === true;
    const span = this.tracer.startSpan(`${request.kind} ${request.name}`, { kind: model ? SpanKind.CLIENT : SpanKind.INTERNAL, attributes: callAttributes(request, model) }, parent);
    let result: EffectResult;
    try {
      result = await context.with(trace.setSpan(parent, span), run);
    } catch (error) {
      // A failure a retry may help: Temporal retries the activity.
      span.setAttribute(ATTR.retryable, true);
      failSpan(span, typeOf(error));
      span.end();
      throw error;
    }
    if (result.ok) {
      if (model) span.setAttributes(usageAttributes(request, result, prices));
    } else {
      failSpan(span, result.error.type);
    }
    span.end();
    return result;
  }

  boundary(call: Checkpoint['call']): void {
    if (call?.kind !== 'step') return;
    const path = entryPath(this.target, call.seq);
    if (this.steps.has(path)) return;
    const span = this.tracer.startSpan(`step ${call.name}`, { attributes: { [ATTR.kind]: 'step', [ATTR.name]: call.name, [ATTR.path]: path } }, this.parent);
    this.steps.set(path, { seq: call.seq, span, context: trace.setSpan(this.parent, span) });
  }

  ended(outcome: RunSpellResult): void {
    trace.getSpan(this.parent)?.setAttribute(ATTR.outcome, outcome.next.type);
    for (const { seq, span } of this.steps.values()) {
      const entry = outcome.entries.find((e) => e.kind === 'step' && e.seq === seq);
      if (entry?.error) failSpan(span, entry.error.type);
      else if (!entry && outcome.next.type === 'retry') failSpan(span, outcome.next.error.type);
      // The step's own clock: the activity may have run on past it.
      span.end(entry ? entry.startedAt + entry.durationMs : undefined);
    }
    this.steps.clear();
  }

  failed(error: unknown): void {
    for (const { span } of this.steps.values()) {
      failSpan(span, typeOf(error));
      span.end();
    }
    this.steps.clear();
  }
}

function callAttributes(request: EffectRequest, model: boolean): Attributes {
  const attributes: Attributes = { [ATTR.kind]: request.kind, [ATTR.name]: request.name, [ATTR.path]: request.key };
  if (request.kind === 'tool.call') {
    attributes[ATTR.operation] = 'execute_tool';
    attributes[ATTR.toolName] = request.name;
  }
  if (!model) return attributes;
  attributes[ATTR.operation] = request.kind === 'agent.run' ? 'invoke_agent' : 'chat';
  // llm.* are named by their model; an agent by its name, its model is an argument.
  const asked = request.kind === 'agent.run' ? (request.args as { model?: unknown } | null)?.model : request.name;
  if (typeof asked === 'string') attributes[ATTR.requestModel] = asked;
  return attributes;
}

function usageAttributes(request: EffectRequest, result: Extract<EffectResult, { ok: true }>, prices: Readonly<Record<string, ModelPrice>>): Attributes {
  // With a fallback list, the model that answered.
  const answered = (result.value as { model?: unknown } | null)?.model;
  const model = typeof answered === 'string' ? answered : request.name;
  const attributes: Attributes = { [ATTR.model]: model, [ATTR.responseModel]: model };
  const usage = result.usage;
  if (!usage) return attributes;
  if (usage.inputTokens !== undefined) attributes[ATTR.inputTokens] = usage.inputTokens;
  if (usage.outputTokens !== undefined) attributes[ATTR.outputTokens] = usage.outputTokens;
  attributes[ATTR.totalTokens] = usage.totalTokens ?? (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0);
  attributes[ATTR.cost] = costOf(model, usage, prices);
  return attributes;
}

/** The typed error is the span's status; its message stays out (it may quote a prompt or a reply). */
function failSpan(span: Span, type: string): void {
  span.setAttribute(ATTR.errorType, type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
}

/** The type of a thrown SpellError or ApplicationFailure, else the error's name. */
function typeOf(error: unknown): string {
  const type = (error as { type?: unknown } | null)?.type;
  if (typeof type === 'string') return type;
  return error instanceof Error ? error.name : 'Error';
}
