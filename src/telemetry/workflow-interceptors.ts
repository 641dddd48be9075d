/**
 * Workflow interceptors for tracing, bundled into Temporal's sandbox (as a workflow interceptor
 * module, never imported by the workflow code): Temporal's OpenTelemetry interceptors, with
 * llmspell's names on their spans, and no span for queries (`llmspell run` polls the run's
 * progress; each poll would be a trace of its own). Workflow spans leave through the sink
 * SpellTracing.sinks() injects.
 */
import { trace, type Attributes } from '@opentelemetry/api';
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow/index.js';
import type {
  ActivityInput,
  LocalActivityInput,
  Next,
  QueryInput,
  StartChildWorkflowExecutionInput,
  WorkflowExecuteInput,
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptors,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import type { RunSpellInput, SpellWorkflowInput } from '../contract/run.ts';
import { ATTR, chainName } from './attributes.ts';

/** Adds attributes to the span Temporal's interceptor has just made active. */
const annotate = (attributes: Attributes) => trace.getActiveSpan()?.setAttributes(attributes);

/** The RunWorkflow span names the spell, its engine and, for a child, its parent. */
class SpellInbound extends OpenTelemetryInboundInterceptor {
  override execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    return super.execute(input, (inner) => {
      const spell = inner.args[0] as Partial<SpellWorkflowInput> | undefined;
      annotate({
        ...(spell?.fileName ? { [ATTR.spell]: spell.fileName } : {}),
        ...(spell?.engine ? { [ATTR.engine]: spell.engine } : {}),
        ...(spell?.parent ? { [ATTR.parent]: spell.parent.workflowId } : {}),
        ...(spell?.carried ? { [ATTR.generation]: spell.carried.generation } : {}),
      });
      return next(inner);
    });
  }

  override handleQuery(input: QueryInput, next: Next<WorkflowInboundCallsInterceptor, 'handleQuery'>): Promise<unknown> {
    return next(input);
  }
}

/** StartActivity spans name their chain (a branch's path) and step; StartChildWorkflow its child. */
class SpellOutbound extends OpenTelemetryOutboundInterceptor {
  override scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    return super.scheduleActivity(input, (inner) => {
      annotate(activityAttributes(inner.args[0], inner.options.summary));
      return next(inner);
    });
  }

  override scheduleLocalActivity(input: LocalActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>): Promise<unknown> {
    return super.scheduleLocalActivity(input, (inner) => {
      annotate(activityAttributes(inner.args[0], inner.options.summary));
      return next(inner);
    });
  }

  override startChildWorkflowExecution(
    input: StartChildWorkflowExecutionInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>,
  ): Promise<[Promise<string>, Promise<unknown>]> {
    return super.startChildWorkflowExecution(input, (inner) => {
      annotate({ [ATTR.childWorkflowId]: inner.options.workflowId });
      return next(inner);
    });
  }
}

function activityAttributes(arg: unknown, summary: string | undefined): Attributes {
  const target = (arg as Partial<RunSpellInput> | undefined)?.target;
  return {
    ...(typeof target === 'string' ? { [ATTR.chain]: chainName(target) } : {}),
    ...(summary ? { [ATTR.summary]: summary } : {}),
  };
}

export const interceptors = (): WorkflowInterceptors => ({
  inbound: [new SpellInbound()],
  outbound: [new SpellOutbound()],
  internals: [new OpenTelemetryInternalsInterceptor()],
});
